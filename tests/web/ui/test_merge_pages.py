"""The merge page (issue 15, Merge): suggestions with their reasons, a search picker, a
side-by-side comparison, the merge, and its undo from the history, in Dutch."""

from __future__ import annotations

import re

from hub.domain.parties import Address, Household
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person


async def test_suggest_compare_merge_and_undo(ui: Ui) -> None:
    await ui.login()
    await ui.store.households.insert(Household(id="hA", address=Address(postcode="1234 AB")))
    await ui.store.households.insert(Household(id="hB", address=Address(postcode="1234ab")))
    keep = await make_person(ui, name="Marie Dubois", emails=["marie@example.org"],
                             household_id="hA")
    dup = await make_person(ui, name="marie  dubois", phones=["+31612345678"],
                            household_id="hB", language="en")

    page = await ui.client.get(f"/people/{keep}/merge")
    html = await page.text()
    assert page.status == 200
    assert f"/people/{keep}/merge?duplicate_id={dup}" in html
    assert "dezelfde naam en postcode" in html and "1234AB" in html

    searched = await (await ui.client.get(f"/people/{keep}/merge",
                                          params={"q": "0612345678"})).text()
    assert f"duplicate_id={dup}" in searched.split("Persoon zoeken")[1]

    compare = await ui.client.get(f"/people/{keep}/merge", params={"duplicate_id": dup})
    text = await compare.text()
    assert compare.status == 200 and 'class="compare"' in text
    assert "marie@example.org" in text and "+31612345678" in text

    assert await ui.post(f"/people/{keep}/merge", {"duplicate_id": dup}) == 303
    history = await (await ui.client.get(f"/people/{keep}/merge")).text()
    action = re.search(rf'action="(/people/{keep}/merges/[0-9a-f]+/undo)"', history)
    assert action is not None, history
    assert await ui.post(action.group(1), {}, token_from=f"/people/{keep}/merge") == 303
    restored = await ui.store.persons.get(dup)
    assert restored is not None and restored.merged_into is None
    assert restored.phones == ["+31612345678"]
    survivor = await ui.store.persons.get(keep)
    assert survivor is not None and survivor.phones == []
    again = await (await ui.client.get(f"/people/{keep}/merge")).text()
    assert "ongedaan gemaakt" in again and "/merges/" not in again.split("Samenvoegingen")[1]

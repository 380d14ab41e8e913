"""The saved-segments list shows each segment's last count with its time and does not count
every segment on each load; a segment is counted when saved, opened, or on "count again"."""

from __future__ import annotations

import json
import re

from hub.domain.campaigns import Segment
from hub.domain.common import new_id
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person

FILTER = {"field": "language", "op": "eq", "value": "nl"}


def shown_count(page: str, segment_id: str) -> str:
    match = re.search(rf'id="segment-{segment_id}".*?<td class="count">(.*?)</td>', page,
                      re.S)
    assert match, "segment row not found"
    return match.group(1).strip()


async def test_the_list_shows_cached_counts_and_counts_again_on_demand(ui: Ui) -> None:
    await make_person(ui, name="Anna", language="nl")
    await ui.login("marketing")
    token = await ui.csrf("/segments")
    saved = await ui.client.post("/segments", data={
        "csrf_token": token, "name": "Dutch", "mode": "json", "filter": json.dumps(FILTER)},
        allow_redirects=False)
    assert saved.status == 303
    (segment,) = await ui.store.segments.find()
    assert segment.counted == 1 and segment.counted_at is not None
    await make_person(ui, name="Bert", language="nl")
    page = await (await ui.client.get("/segments")).text()
    assert shown_count(page, segment.id) == "1"  # the cached count, not a fresh one
    assert await ui.post(f"/segments/{segment.id}/count", {}, token_from="/segments") == 303
    page = await (await ui.client.get("/segments")).text()
    assert shown_count(page, segment.id) == "2"
    tokenless = await ui.client.post(f"/segments/{segment.id}/count", allow_redirects=False)
    assert tokenless.status == 403


async def test_a_never_counted_segment_is_not_counted_by_the_list(ui: Ui) -> None:
    await make_person(ui, name="Anna", language="nl")
    segment = Segment(id=new_id(), name="Imported", filter=FILTER)
    await ui.store.segments.insert(segment)
    await ui.login("marketing")
    page = await (await ui.client.get("/segments")).text()
    assert shown_count(page, segment.id) == "\N{EN DASH}"
    assert "nog niet" in page  # "not yet" counted, in Dutch
    stored = await ui.store.segments.get(segment.id)
    assert stored is not None and stored.counted_at is None
    detail = await ui.client.get(f"/segments/{segment.id}")
    assert detail.status == 200
    stored = await ui.store.segments.get(segment.id)
    assert stored is not None and stored.counted == 1

"""The staff search page on the demo data: a service agent finds a demo person by the last
digits of their phone number, by part of their email address and by their surname typed with
a letter missing, following "More results" when the first page does not hold them; and the
household and organisation pages say whose each timeline event is."""

from __future__ import annotations

import html
import re
from datetime import date

from hub.demo import generate_demo
from hub.domain.parties import Household, Organisation, Person, Role
from hub.web.keys import SERVICES
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person

MORE = re.compile(r'<a class="more" rel="next" href="([^"]+)"')
MAX_PAGES = 40


async def _pages_until(ui: Ui, q: str, person_id: str) -> tuple[int, str]:
    """Walk the result pages for `q` until the person's link shows; (pages read, that page)."""
    response = await ui.client.get("/search", params={"q": q})
    for pages in range(1, MAX_PAGES + 1):
        assert response.status == 200
        text = await response.text()
        if f'href="/people/{person_id}"' in text:
            return pages, text
        more = MORE.search(text)
        assert more, f"{q!r}: not found and no more results after {pages} pages"
        response = await ui.client.get(html.unescape(more.group(1)))
    raise AssertionError(f"{q!r}: not found in {MAX_PAGES} pages")


async def _demo_person(ui: Ui) -> Person:
    """An "Ingrid Willems"-like demo person: a phone, an email, a surname of 6+ letters."""
    await generate_demo(ui.store, persons=600, seed=0, today=date(2026, 11, 2))
    candidates: list[Person] = []
    after = None
    while page := await ui.store.persons.find(limit=200, after_id=after):
        candidates += [p for p in page if p.phones and p.emails
                       and len(p.name.split()[-1]) >= 6]
        after = page[-1].id
    willems = [p for p in candidates if p.name.endswith("Willems")]
    return (willems or candidates)[0]


async def test_staff_find_a_demo_person_by_phone_end_email_part_and_typo(ui: Ui) -> None:
    await ui.login("service")
    person = await _demo_person(ui)
    surname = person.name.split()[-1]
    typo = surname[:2] + surname[3:]  # Willems → Wilems
    local = person.emails[0].split("@")[0]
    for q in (person.phones[0][-4:], person.phones[0][-8:], local[1:8], typo):
        pages, text = await _pages_until(ui, q, person.id)
        assert "Gevonden op" in text, q  # the page speaks Dutch
        if q.isdigit():
            assert pages == 1, q  # a phone's end is nearly unique: on the first page
    _, text = await _pages_until(ui, typo, person.id)
    assert "naam die erop lijkt" in text
    _, text = await _pages_until(ui, person.phones[0][-4:], person.id)
    assert "telefoonnummer" in text


async def test_more_results_pages_through_everyone_once(ui: Ui) -> None:
    await ui.login("service")
    made = {await make_person(ui, name=f"Jansen {i}") for i in range(30)}
    seen: list[str] = []
    response = await ui.client.get("/search", params={"q": "jansen"})
    for _ in range(3):
        text = await response.text()
        seen += re.findall(r'<td><a href="/people/([0-9a-f]+)">', text)
        more = MORE.search(text)
        if more is None:
            break
        response = await ui.client.get(html.unescape(more.group(1)))
    assert sorted(seen) == sorted(made) and len(seen) == 30
    assert "Eerste resultaten" in text
    damaged = await ui.client.get("/search", params={"q": "jansen", "cursor": "x!"})
    assert damaged.status == 422
    assert "Die link naar meer resultaten is beschadigd" in await damaged.text()


async def test_household_and_organisation_timelines_name_the_member(ui: Ui) -> None:
    await ui.login("service")
    await ui.store.households.insert(Household(id="h1", name="Huishouden Willems"))
    await ui.store.organisations.insert(Organisation(id="o1", name="Acme BV"))
    ingrid = await make_person(ui, name="Ingrid Willems", household_id="h1",
                               life_stage="young_family")
    await ui.store.roles.insert(Role(id="r1", person_id=ingrid, organisation_id="o1",
                                     function="Inkoper"))
    timeline = ui.client.app[SERVICES].timeline
    await timeline.add_note(ingrid, "Belde over de offerte", role_id="r1")
    household = await (await ui.client.get("/households/h1")).text()
    assert re.search(r'class="member"><a href="/people/' + ingrid + r'">Ingrid Willems</a>'
                     r" · jong gezin</span>", household)
    organisation = await (await ui.client.get("/organisations/o1")).text()
    assert re.search(r'class="member"><a href="/people/' + ingrid + r'">Ingrid Willems</a>'
                     r" · Inkoper</span>", organisation)
    fragment = await ui.client.get("/organisations/o1/timeline")
    assert fragment.status == 200 and "· Inkoper" in await fragment.text()

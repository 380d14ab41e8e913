"""The search box (hub.services.party_search) on each backend: what staff type finds the
person, organisation or household they mean, typed, explained and keyset-paged."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.domain.identities import Identity
from hub.domain.parties import Address, Household, Organisation, Person, Role
from hub.ports import Store
from hub.services.paging import InvalidCursor
from hub.services.party_search import PartySearch, SearchHit


async def _person(store: Store, name: str, *, emails: tuple[str, ...] = (),
                  phones: tuple[str, ...] = (), household_id: str | None = None) -> Person:
    person = Person(id=new_id(), name=name, emails=list(emails), phones=list(phones),
                    household_id=household_id)
    await store.persons.insert(person)
    for kind, values in (("email", emails), ("phone", phones)):
        for value in values:
            await store.identities.insert(Identity(kind=kind,  # type: ignore[arg-type]
                                                   value=value, person_id=person.id))
    return person


def _found(hits: list[SearchHit]) -> list[tuple[str, str, list[str]]]:
    return [(h.kind, h.name, h.matched) for h in hits]


@pytest.fixture
def search(store: Store) -> PartySearch:
    return PartySearch(store, region="NL")


async def _world(store: Store) -> dict[str, str]:
    home = Household(id=new_id(), name="Huishouden Willems",
                     address=Address(postcode="6562 AB", city="Groesbeek"))
    await store.households.insert(home)
    ingrid = await _person(store, "Ingrid Willems", emails=("ingrid.w1978@example.nl",),
                           phones=("+31643056562",), household_id=home.id)
    await _person(store, "Kees Bakker", emails=("kees@bakker.nl",), phones=("+31612345678",))
    acme = Organisation(id=new_id(), name="Willems Installatie",
                        address=Address(postcode="1234 XY"))
    await store.organisations.insert(acme)
    await store.roles.insert(Role(id=new_id(), person_id=ingrid.id, organisation_id=acme.id,
                                  function="Inkoper"))
    return {"home": home.id, "ingrid": ingrid.id, "acme": acme.id}


@pytest.mark.parametrize("q", ["6562", "43056562", "06-4305 6562", "+31 6 4305 6562",
                               "0643056562"])
async def test_any_end_of_a_phone_number_finds_the_person(
        store: Store, search: PartySearch, q: str) -> None:
    made = await _world(store)
    page = await search.find(q, limit=25)
    persons = [h for h in page.items if h.kind == "person"]
    assert [h.id for h in persons] == [made["ingrid"]], q
    assert persons[0].matched == ["phone"]
    assert persons[0].household is not None and persons[0].household.id == made["home"]
    assert [(r.function, o.name if o else None) for r, o in persons[0].roles] == [
        ("Inkoper", "Willems Installatie")]


async def test_a_postcode_finds_the_household_a_name_all_three_kinds(
        store: Store, search: PartySearch) -> None:
    made = await _world(store)
    page = await search.find("6562 ab", limit=25)
    assert _found(page.items) == [("household", "Huishouden Willems", ["postcode"])]
    assert [p.id for _, p in page.items[0].people] == [made["ingrid"]]
    page = await search.find("willems", limit=25)
    assert _found(page.items) == [("person", "Ingrid Willems", ["name"]),
                                  ("organisation", "Willems Installatie", ["name"]),
                                  ("household", "Huishouden Willems", ["name"])]
    organisation = page.items[1]
    assert [(r.function if r else None, p.id) for r, p in organisation.people] == [
        ("Inkoper", made["ingrid"])]


async def test_part_of_an_email_and_a_misspelled_name(store: Store, search: PartySearch) -> None:
    await _world(store)
    assert _found((await search.find("w1978@exa", limit=25)).items) == [
        ("person", "Ingrid Willems", ["email"])]
    assert _found((await search.find("Wilems", limit=25)).items) == [
        ("person", "Ingrid Willems", ["similar_name"]),
        ("organisation", "Willems Installatie", ["similar_name"]),
        ("household", "Huishouden Willems", ["similar_name"])]
    assert _found((await search.find("ingrid wilems", limit=25)).items) == [
        ("person", "Ingrid Willems", ["similar_name"])]
    assert _found((await search.find("ÍNGRID", limit=25)).items) == [
        ("person", "Ingrid Willems", ["name"])]
    # two typos, or a typo in a short word, are not a match
    assert (await search.find("Wilens", limit=25)).items == []
    assert (await search.find("Bakkker Kes", limit=25)).items == []


async def test_paging_beyond_the_first_page_repeats_and_loses_nothing(
        store: Store, search: PartySearch) -> None:
    """Matches from three sources that overlap (phone, name, typo), over two kinds."""
    expected: list[str] = []
    for i in range(9):
        phone = f"+316430{i:02d}562" if i % 2 else f"+316123{i:03d}99"
        name = "Jan Willems" if i % 3 == 0 else ("Jan Wilems" if i % 3 == 1 else "Piet 562")
        expected.append((await _person(store, name, phones=(phone,))).id)
    organisation = Organisation(id=new_id(), name="Willems 562 B.V.")
    await store.organisations.insert(organisation)
    query_ids: list[str] = []
    cursor = None
    sizes = []
    while True:
        page = await search.find("562", limit=2, cursor=cursor)
        sizes.append(len(page.items))
        query_ids += [h.id for h in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    odd_or_piet = sorted(p for i, p in enumerate(expected) if i % 2 or i % 3 == 2)
    assert query_ids == [*odd_or_piet, organisation.id]
    assert sizes[:-1] == [2] * (len(sizes) - 1)
    willems: list[str] = []
    cursor = None
    while True:
        page = await search.find("willems", limit=3, cursor=cursor)
        willems += [h.id for h in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert willems == [*sorted(p for i, p in enumerate(expected) if i % 3 != 2),
                       organisation.id]


async def test_merged_and_erased_persons_are_not_found(store: Store, search: PartySearch) -> None:
    made = await _world(store)
    gone = await _person(store, "Ingrid Willems-Oud", phones=("+31611116562",))
    await store.persons.replace(gone.model_copy(update={"merged_into": made["ingrid"]}))
    page = await search.find("6562", limit=25, cursor=None)
    assert [h.id for h in page.items if h.kind == "person"] == [made["ingrid"]]


async def test_bad_queries_and_cursors(store: Store, search: PartySearch) -> None:
    await _world(store)
    assert (await search.find("   ", limit=25)).items == []
    assert (await search.find('" OR * NEAR(', limit=25)).items == []
    assert (await search.find("x" * 5000, limit=25)).items == []
    with pytest.raises(InvalidCursor):
        await search.find("willems", limit=25, cursor="not-a-cursor")
    with pytest.raises(InvalidCursor):
        await search.find("willems", limit=25, cursor="eyJrIjoieCIsImEiOiJ5In0")

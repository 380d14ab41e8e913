"""store.persons: round trip, keys, replace/delete, and the active-person queries."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find


async def test_insert_then_get_returns_the_same_person(store: Store) -> None:
    person = f.full_person()
    await store.persons.insert(person)
    stored = await store.persons.get(person.id)
    assert_same_record(stored, person)
    assert stored is not None
    assert stored.created_at == person.created_at
    assert stored.created_at.microsecond == 987000
    assert stored.consent["email"].at == f.at(-86400)


async def test_minimal_person_round_trips_with_defaults(store: Store) -> None:
    person = f.person(name="")
    await store.persons.insert(person)
    assert_same_record(await store.persons.get(person.id), person)


async def test_get_unknown_id_is_none(store: Store) -> None:
    assert await store.persons.get(new_id()) is None


async def test_insert_existing_id_raises_duplicate_key(store: Store) -> None:
    person = f.person()
    await store.persons.insert(person)
    with pytest.raises(DuplicateKey):
        await store.persons.insert(f.person(id=person.id, name="Someone Else"))
    assert_same_record(await store.persons.get(person.id), person)


async def test_get_many_returns_existing_in_id_order(store: Store) -> None:
    persons = [f.person(name=f"p{i}") for i in range(5)]
    for person in reversed(persons):
        await store.persons.insert(person)
    wanted = [persons[3].id, new_id(), persons[0].id, persons[4].id]
    found = await store.persons.get_many(wanted)
    assert ids(found) == sorted([persons[0].id, persons[3].id, persons[4].id])
    for person in found:
        assert_same_record(person, next(p for p in persons if p.id == person.id))


async def test_get_many_of_nothing_is_empty(store: Store) -> None:
    await store.persons.insert(f.person())
    assert await store.persons.get_many([]) == []
    assert await store.persons.get_many([new_id()]) == []


async def test_get_many_includes_merged_and_erased_persons(store: Store) -> None:
    """`get_many` returns the persons that exist, like `get`: redirects and tombstones too."""
    active = f.person()
    merged = f.person(merged_into=active.id)
    erased = f.person(name="", erased_at=f.at())
    for person in (active, merged, erased):
        await store.persons.insert(person)
    found = await store.persons.get_many([active.id, merged.id, erased.id])
    assert ids(found) == sorted([active.id, merged.id, erased.id])


async def test_get_returns_merged_and_erased_persons(store: Store) -> None:
    target = f.person()
    merged = f.person(merged_into=target.id)
    erased = f.person(name="", erased_at=f.at(60))
    for person in (target, merged, erased):
        await store.persons.insert(person)
    assert_same_record(await store.persons.get(merged.id), merged)
    assert_same_record(await store.persons.get(erased.id), erased)


async def test_replace_stores_the_new_version(store: Store) -> None:
    person = f.full_person()
    await store.persons.insert(person)
    changed = person.model_copy(
        update={
            "name": "Anna Jansen",
            "tags": ["moved"],
            "attributes": {"visits": 8},
            "consent": {"email": ConsentState(status="opted_out", source="api", at=f.at(10))},
            "household_id": None,
            "updated_at": f.at(10),
            "merged_into": new_id(),
        }
    )
    await store.persons.replace(changed)
    assert_same_record(await store.persons.get(person.id), changed)


async def test_replace_missing_person_raises_not_found(store: Store) -> None:
    person = f.person()
    with pytest.raises(NotFound):
        await store.persons.replace(person)
    assert await store.persons.get(person.id) is None


async def test_delete_removes_and_reports(store: Store) -> None:
    person, other = f.person(), f.person()
    await store.persons.insert(person)
    await store.persons.insert(other)
    assert await store.persons.delete(person.id) is True
    assert await store.persons.get(person.id) is None
    assert await store.persons.delete(person.id) is False
    assert await store.persons.delete(new_id()) is False
    assert_same_record(await store.persons.get(other.id), other)


async def test_find_pages_in_id_order_without_gaps_or_repeats(store: Store) -> None:
    persons = [f.person(name=f"Person {i}") for i in range(23)]
    for person in persons[::-1]:
        await store.persons.insert(person)
    pages = await walk_find(store.persons.find, 5)
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert ids(flat(pages)) == sorted(ids(persons))
    assert ids(await store.persons.find(limit=100)) == sorted(ids(persons))


async def test_find_after_an_id_that_is_not_stored(store: Store) -> None:
    persons = sorted([f.person() for _ in range(6)], key=lambda p: p.id)
    for person in persons:
        await store.persons.insert(person)
    await store.persons.delete(persons[2].id)
    after = await store.persons.find(after_id=persons[2].id, limit=50)
    assert ids(after) == ids(persons[3:])
    assert ids(await store.persons.find(after_id="0" * 24)) == ids(persons[:2] + persons[3:])
    assert await store.persons.find(after_id="f" * 24) == []


async def test_find_skips_merged_and_erased_persons(store: Store) -> None:
    active = [f.person(name=f"Jansen {i}") for i in range(4)]
    merged = f.person(name="Jansen merged", merged_into=active[0].id)
    erased = f.person(name="Jansen erased", erased_at=f.at())
    for person in [*active, merged, erased]:
        await store.persons.insert(person)
    assert ids(flat(await walk_find(store.persons.find, 2))) == sorted(ids(active))
    found = await store.persons.find(name_contains="jansen")
    assert ids(found) == sorted(ids(active))


async def test_find_sees_a_person_leave_when_merged(store: Store) -> None:
    person = f.person(name="Piet")
    await store.persons.insert(person)
    assert ids(await store.persons.find(name_contains="piet")) == [person.id]
    await store.persons.replace(person.model_copy(update={"merged_into": new_id()}))
    assert await store.persons.find(name_contains="piet") == []
    assert await store.persons.count() == 0


async def test_in_household_lists_active_members_in_id_order(store: Store) -> None:
    household_id, other_household = new_id(), new_id()
    members = [f.person(household_id=household_id) for _ in range(4)]
    outsiders = [
        f.person(household_id=household_id, merged_into=members[0].id),
        f.person(household_id=household_id, erased_at=f.at()),
        f.person(household_id=other_household),
        f.person(),
    ]
    for person in [*members[::-1], *outsiders]:
        await store.persons.insert(person)
    found = await store.persons.in_household(household_id)
    assert ids(found) == sorted(ids(members))
    assert_same_record(next(p for p in found if p.id == members[1].id), members[1])
    assert await store.persons.in_household(new_id()) == []


async def test_count_counts_active_persons(store: Store) -> None:
    assert await store.persons.count() == 0
    active = [f.person() for _ in range(3)]
    for person in active:
        await store.persons.insert(person)
    await store.persons.insert(f.person(merged_into=active[0].id))
    await store.persons.insert(f.person(erased_at=f.at()))
    assert await store.persons.count() == 3
    await store.persons.delete(active[1].id)
    assert await store.persons.count() == 2


async def test_replace_updates_what_the_queries_see(store: Store) -> None:
    old_household, new_household = new_id(), new_id()
    person = f.person(name="Anna de Vries", household_id=old_household)
    await store.persons.insert(person)
    await store.persons.replace(
        person.model_copy(update={"name": "Anna Jansen", "household_id": new_household})
    )
    assert await store.persons.find(name_contains="vries") == []
    assert ids(await store.persons.find(name_contains="jansen")) == [person.id]
    assert await store.persons.in_household(old_household) == []
    assert ids(await store.persons.in_household(new_household)) == [person.id]

    await store.persons.replace(person.model_copy(update={"erased_at": f.at(), "name": ""}))
    assert await store.persons.count() == 0
    assert await store.persons.in_household(old_household) == []
    assert await store.persons.find() == []


async def test_get_many_with_a_thousand_ids(store: Store) -> None:
    persons = [f.person() for _ in range(5)]
    for person in persons:
        await store.persons.insert(person)
    wanted = [new_id() for _ in range(1200)] + ids(persons)
    assert ids(await store.persons.get_many(wanted)) == sorted(ids(persons))

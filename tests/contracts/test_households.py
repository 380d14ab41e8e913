"""store.households: round trip, keys, replace, paging (name search: test_name_search.py)."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.domain.parties import Address
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find


async def test_insert_then_get_returns_the_same_household(store: Store) -> None:
    household = f.full_household()
    await store.households.insert(household)
    assert_same_record(await store.households.get(household.id), household)


async def test_minimal_household_round_trips(store: Store) -> None:
    household = f.household(name="")
    await store.households.insert(household)
    assert_same_record(await store.households.get(household.id), household)


async def test_get_unknown_id_is_none(store: Store) -> None:
    assert await store.households.get(new_id()) is None


async def test_insert_existing_id_raises_duplicate_key(store: Store) -> None:
    household = f.household()
    await store.households.insert(household)
    with pytest.raises(DuplicateKey):
        await store.households.insert(f.household(id=household.id, name="Other"))
    assert_same_record(await store.households.get(household.id), household)


async def test_replace_stores_the_new_version(store: Store) -> None:
    household = f.full_household()
    await store.households.insert(household)
    changed = household.model_copy(
        update={
            "name": "Fam. Jansen",
            "address": Address(city="Amsterdam"),
            "customer_status": "lost",
            "attributes": {},
            "updated_at": f.at(99),
        }
    )
    await store.households.replace(changed)
    assert_same_record(await store.households.get(household.id), changed)


async def test_replace_missing_household_raises_not_found(store: Store) -> None:
    household = f.household()
    with pytest.raises(NotFound):
        await store.households.replace(household)
    assert await store.households.get(household.id) is None


async def test_find_pages_in_id_order(store: Store) -> None:
    households = [f.household(name=f"Household {i}") for i in range(12)]
    for household in households[::-1]:
        await store.households.insert(household)
    pages = await walk_find(store.households.find, 5)
    assert [len(page) for page in pages] == [5, 5, 2]
    assert ids(flat(pages)) == sorted(ids(households))
    found = flat(pages)
    assert_same_record(found[0], next(h for h in households if h.id == found[0].id))
    assert await store.households.find(after_id=found[-1].id) == []


async def test_replace_updates_the_name_search(store: Store) -> None:
    household = f.household(name="De Vries")
    await store.households.insert(household)
    await store.households.replace(household.model_copy(update={"name": "Jansen"}))
    assert await store.households.find(name_contains="vries") == []
    assert ids(await store.households.find(name_contains="JANS")) == [household.id]

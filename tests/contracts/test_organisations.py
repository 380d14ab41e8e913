"""store.organisations: round trip, keys, replace, paging (name search: test_name_search.py)."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.domain.parties import Address
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find


async def test_insert_then_get_returns_the_same_organisation(store: Store) -> None:
    organisation = f.full_organisation()
    await store.organisations.insert(organisation)
    assert_same_record(await store.organisations.get(organisation.id), organisation)


async def test_minimal_organisation_round_trips(store: Store) -> None:
    organisation = f.organisation(name="")
    await store.organisations.insert(organisation)
    assert_same_record(await store.organisations.get(organisation.id), organisation)


async def test_get_unknown_id_is_none(store: Store) -> None:
    assert await store.organisations.get(new_id()) is None


async def test_insert_existing_id_raises_duplicate_key(store: Store) -> None:
    organisation = f.organisation()
    await store.organisations.insert(organisation)
    with pytest.raises(DuplicateKey):
        await store.organisations.insert(f.organisation(id=organisation.id, name="Other"))
    assert_same_record(await store.organisations.get(organisation.id), organisation)


async def test_replace_stores_the_new_version(store: Store) -> None:
    organisation = f.full_organisation()
    await store.organisations.insert(organisation)
    changed = organisation.model_copy(
        update={
            "name": "Jansen Holding",
            "industry": None,
            "size": "250+",
            "address": Address(city="Amsterdam"),
            "customer_status": "lost",
            "attributes": {},
            "updated_at": f.at(99),
        }
    )
    await store.organisations.replace(changed)
    assert_same_record(await store.organisations.get(organisation.id), changed)


async def test_replace_missing_organisation_raises_not_found(store: Store) -> None:
    organisation = f.organisation()
    with pytest.raises(NotFound):
        await store.organisations.replace(organisation)
    assert await store.organisations.get(organisation.id) is None


async def test_find_pages_in_id_order(store: Store) -> None:
    organisations = [f.organisation(name=f"Organisation {i}") for i in range(12)]
    for organisation in organisations[::-1]:
        await store.organisations.insert(organisation)
    pages = await walk_find(store.organisations.find, 5)
    assert [len(page) for page in pages] == [5, 5, 2]
    assert ids(flat(pages)) == sorted(ids(organisations))
    found = flat(pages)
    assert_same_record(found[0], next(h for h in organisations if h.id == found[0].id))
    assert await store.organisations.find(after_id=found[-1].id) == []


async def test_replace_updates_the_name_search(store: Store) -> None:
    organisation = f.organisation(name="De Vries")
    await store.organisations.insert(organisation)
    await store.organisations.replace(organisation.model_copy(update={"name": "Jansen"}))
    assert await store.organisations.find(name_contains="vries") == []
    assert ids(await store.organisations.find(name_contains="JANS")) == [organisation.id]

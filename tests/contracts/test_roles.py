"""store.roles: a person's functions at organisations."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find


async def test_insert_then_get_returns_the_same_role(store: Store) -> None:
    role = f.role(new_id(), new_id())
    await store.roles.insert(role)
    assert_same_record(await store.roles.get(role.id), role)


async def test_role_without_business_address_round_trips(store: Store) -> None:
    role = f.role(new_id(), new_id(), email=None, phone=None, function="")
    await store.roles.insert(role)
    assert_same_record(await store.roles.get(role.id), role)


async def test_get_unknown_id_is_none(store: Store) -> None:
    assert await store.roles.get(new_id()) is None


async def test_insert_existing_id_raises_duplicate_key(store: Store) -> None:
    role = f.role(new_id(), new_id())
    await store.roles.insert(role)
    with pytest.raises(DuplicateKey):
        await store.roles.insert(f.role(new_id(), new_id(), id=role.id))
    assert_same_record(await store.roles.get(role.id), role)


async def test_delete_removes_and_reports(store: Store) -> None:
    person_id = new_id()
    role, other = f.role(person_id, new_id()), f.role(person_id, new_id())
    await store.roles.insert(role)
    await store.roles.insert(other)
    assert await store.roles.delete(role.id) is True
    assert await store.roles.get(role.id) is None
    assert await store.roles.delete(role.id) is False
    assert ids(await store.roles.for_person(person_id)) == [other.id]


async def test_for_person_lists_that_persons_roles(store: Store) -> None:
    person_id = new_id()
    mine = [f.role(person_id, new_id()) for _ in range(3)]
    for role in [*mine, f.role(new_id(), mine[0].organisation_id)]:
        await store.roles.insert(role)
    found = await store.roles.for_person(person_id)
    assert sorted(ids(found)) == sorted(ids(mine))
    for role in found:
        assert_same_record(role, next(r for r in mine if r.id == role.id))
    assert await store.roles.for_person(new_id()) == []


async def test_for_organisation_pages_in_id_order(store: Store) -> None:
    organisation_id = new_id()
    staff = [f.role(new_id(), organisation_id) for _ in range(7)]
    for role in [*staff[::-1], f.role(staff[0].person_id, new_id())]:
        await store.roles.insert(role)
    pages = await walk_find(
        lambda **kw: store.roles.for_organisation(organisation_id, **kw), 3
    )
    assert [len(page) for page in pages] == [3, 3, 1]
    assert ids(flat(pages)) == sorted(ids(staff))
    assert ids(await store.roles.for_organisation(organisation_id)) == sorted(ids(staff))
    assert await store.roles.for_organisation(new_id()) == []


async def test_reassign_person_moves_every_role(store: Store) -> None:
    duplicate, survivor, bystander = new_id(), new_id(), new_id()
    moving = [f.role(duplicate, new_id()) for _ in range(3)]
    kept = f.role(survivor, new_id())
    other = f.role(bystander, moving[0].organisation_id)
    for role in [*moving, kept, other]:
        await store.roles.insert(role)

    assert await store.roles.reassign_person(duplicate, survivor) == 3

    assert await store.roles.for_person(duplicate) == []
    assert sorted(ids(await store.roles.for_person(survivor))) == sorted(ids([*moving, kept]))
    for role in moving:
        assert_same_record(
            await store.roles.get(role.id), role.model_copy(update={"person_id": survivor})
        )
    assert_same_record(await store.roles.get(other.id), other)
    assert await store.roles.reassign_person(duplicate, survivor) == 0

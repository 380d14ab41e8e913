"""store.identities: every address belongs to at most one person; (kind, value) is unique."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.domain.identities import Identity
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record


def _key(identity: Identity) -> tuple[str, str]:
    return (identity.kind, identity.value)


async def test_insert_then_get_returns_the_same_identity(store: Store) -> None:
    identity = f.identity(new_id(), "anna@example.org", role_id=new_id())
    await store.identities.insert(identity)
    assert_same_record(await store.identities.get("email", "anna@example.org"), identity)


async def test_phone_identity_round_trips(store: Store) -> None:
    identity = f.identity(new_id(), "+31612345678", kind="phone")
    await store.identities.insert(identity)
    assert_same_record(await store.identities.get("phone", "+31612345678"), identity)
    assert await store.identities.get("email", "+31612345678") is None


async def test_get_unknown_address_is_none(store: Store) -> None:
    await store.identities.insert(f.identity(new_id(), "anna@example.org"))
    assert await store.identities.get("email", "piet@example.org") is None
    assert await store.identities.get("phone", "anna@example.org") is None


async def test_same_address_for_another_person_raises_duplicate_key(store: Store) -> None:
    owner = f.identity(new_id(), "anna@example.org")
    await store.identities.insert(owner)
    with pytest.raises(DuplicateKey):
        await store.identities.insert(f.identity(new_id(), "anna@example.org"))
    with pytest.raises(DuplicateKey):
        await store.identities.insert(f.identity(owner.person_id, "anna@example.org"))
    assert_same_record(await store.identities.get("email", "anna@example.org"), owner)


async def test_same_value_of_another_kind_is_another_identity(store: Store) -> None:
    person_id = new_id()
    await store.identities.insert(f.identity(person_id, "12345", kind="email"))
    await store.identities.insert(f.identity(person_id, "12345", kind="phone"))
    assert len(await store.identities.for_person(person_id)) == 2


async def test_for_person_lists_that_persons_addresses(store: Store) -> None:
    person_id = new_id()
    mine = [
        f.identity(person_id, "a@example.org"),
        f.identity(person_id, "b@example.org", role_id=new_id()),
        f.identity(person_id, "+31612345678", kind="phone"),
    ]
    for identity in [*mine, f.identity(new_id(), "c@example.org")]:
        await store.identities.insert(identity)
    found = await store.identities.for_person(person_id)
    assert sorted(map(_key, found)) == sorted(map(_key, mine))
    for identity in found:
        assert_same_record(identity, next(i for i in mine if _key(i) == _key(identity)))
    assert await store.identities.for_person(new_id()) == []


async def test_delete_frees_the_address(store: Store) -> None:
    await store.identities.insert(f.identity(new_id(), "anna@example.org"))
    assert await store.identities.delete("email", "anna@example.org") is True
    assert await store.identities.get("email", "anna@example.org") is None
    assert await store.identities.delete("email", "anna@example.org") is False
    newcomer = f.identity(new_id(), "anna@example.org")
    await store.identities.insert(newcomer)
    assert_same_record(await store.identities.get("email", "anna@example.org"), newcomer)


async def test_delete_matches_kind_and_value(store: Store) -> None:
    await store.identities.insert(f.identity(new_id(), "12345", kind="phone"))
    assert await store.identities.delete("email", "12345") is False
    assert await store.identities.get("phone", "12345") is not None


async def test_reassign_person_moves_every_address(store: Store) -> None:
    duplicate, survivor = new_id(), new_id()
    moving = [f.identity(duplicate, "a@example.org"), f.identity(duplicate, "+31612345678",
                                                                  kind="phone")]
    kept = f.identity(survivor, "s@example.org")
    bystander = f.identity(new_id(), "x@example.org")
    for identity in [*moving, kept, bystander]:
        await store.identities.insert(identity)

    assert await store.identities.reassign_person(duplicate, survivor) == 2

    assert await store.identities.for_person(duplicate) == []
    assert sorted(map(_key, await store.identities.for_person(survivor))) == sorted(
        map(_key, [*moving, kept])
    )
    moved = await store.identities.get("email", "a@example.org")
    assert_same_record(moved, moving[0].model_copy(update={"person_id": survivor}))
    assert_same_record(await store.identities.get("email", "x@example.org"), bystander)
    assert await store.identities.reassign_person(duplicate, survivor) == 0


async def test_delete_for_person_removes_and_returns_them(store: Store) -> None:
    person_id = new_id()
    mine = [f.identity(person_id, "a@example.org"), f.identity(person_id, "+31612345678",
                                                                kind="phone")]
    other = f.identity(new_id(), "b@example.org")
    for identity in [*mine, other]:
        await store.identities.insert(identity)

    deleted = await store.identities.delete_for_person(person_id)

    assert sorted(map(_key, deleted)) == sorted(map(_key, mine))
    for identity in deleted:
        assert_same_record(identity, next(i for i in mine if _key(i) == _key(identity)))
    assert await store.identities.for_person(person_id) == []
    assert await store.identities.get("email", "a@example.org") is None
    assert await store.identities.get("phone", "+31612345678") is None
    assert_same_record(await store.identities.get("email", "b@example.org"), other)
    assert await store.identities.delete_for_person(person_id) == []

"""store.users and store.tokens: staff accounts and API tokens."""

from __future__ import annotations

import pytest

from hub.domain.common import new_id
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, assert_utc_ms, flat, ids, walk_find


async def test_user_round_trips_by_id_and_by_email(store: Store) -> None:
    user = f.user(email="kees@hub.example", role="admin", disabled=True)
    await store.users.insert(user)
    assert_same_record(await store.users.get(user.id), user)
    assert_same_record(await store.users.get_by_email("kees@hub.example"), user)


async def test_unknown_user_is_none(store: Store) -> None:
    await store.users.insert(f.user(email="kees@hub.example"))
    assert await store.users.get(new_id()) is None
    assert await store.users.get_by_email("piet@hub.example") is None


async def test_user_email_is_unique_ignoring_case(store: Store) -> None:
    first = f.user(email="kees@hub.example")
    await store.users.insert(first)
    with pytest.raises(DuplicateKey):
        await store.users.insert(f.user(email="kees@hub.example"))
    with pytest.raises(DuplicateKey):
        await store.users.insert(f.user(email="Kees@HUB.example"))
    assert await store.users.count() == 1
    assert_same_record(await store.users.get_by_email("kees@hub.example"), first)


async def test_get_by_email_ignores_case(store: Store) -> None:
    user = f.user(email="kees@hub.example")
    await store.users.insert(user)
    found = await store.users.get_by_email("KEES@hub.Example")
    assert found is not None
    assert found.id == user.id


async def test_user_existing_id_raises_duplicate_key(store: Store) -> None:
    user = f.user()
    await store.users.insert(user)
    with pytest.raises(DuplicateKey):
        await store.users.insert(f.user(id=user.id))


async def test_replace_user(store: Store) -> None:
    user = f.user(email="kees@hub.example")
    await store.users.insert(user)
    changed = user.model_copy(
        update={"email": "k.jansen@hub.example", "role": "marketing", "disabled": True,
                "password_hash": "$argon2id$new"}
    )
    await store.users.replace(changed)
    assert_same_record(await store.users.get(user.id), changed)
    assert_same_record(await store.users.get_by_email("k.jansen@hub.example"), changed)
    assert await store.users.get_by_email("kees@hub.example") is None
    # the old address is free again
    await store.users.insert(f.user(email="kees@hub.example"))


async def test_replace_missing_user_raises_not_found(store: Store) -> None:
    user = f.user()
    with pytest.raises(NotFound):
        await store.users.replace(user)
    assert await store.users.get(user.id) is None


async def test_replace_onto_a_taken_email_raises_duplicate_key(store: Store) -> None:
    kees, piet = f.user(email="kees@hub.example"), f.user(email="piet@hub.example")
    await store.users.insert(kees)
    await store.users.insert(piet)
    with pytest.raises(DuplicateKey):
        await store.users.replace(piet.model_copy(update={"email": "kees@hub.example"}))
    assert_same_record(await store.users.get(piet.id), piet)


async def test_users_find_pages_and_count(store: Store) -> None:
    assert await store.users.count() == 0
    users = [f.user() for _ in range(7)]
    for user in users[::-1]:
        await store.users.insert(user)
    pages = await walk_find(store.users.find, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert ids(flat(pages)) == sorted(ids(users))
    assert await store.users.count() == 7


async def test_token_round_trips_by_hash(store: Store) -> None:
    token = f.token()
    await store.tokens.insert(token)
    assert_same_record(await store.tokens.get_by_hash(token.token_hash), token)
    assert await store.tokens.get_by_hash("0" * 64) is None


async def test_token_existing_id_raises_duplicate_key(store: Store) -> None:
    token = f.token()
    await store.tokens.insert(token)
    with pytest.raises(DuplicateKey):
        await store.tokens.insert(f.token(id=token.id))


async def test_revoke_sets_revoked_at(store: Store) -> None:
    token, other = f.token(), f.token()
    await store.tokens.insert(token)
    await store.tokens.insert(other)

    assert await store.tokens.revoke(token.id) is True

    revoked = await store.tokens.get_by_hash(token.token_hash)
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert_utc_ms(revoked.revoked_at)
    assert revoked.model_copy(update={"revoked_at": None}) == token
    assert_same_record(await store.tokens.get_by_hash(other.token_hash), other)
    assert await store.tokens.revoke(new_id()) is False


async def test_revoke_twice_keeps_the_first_revocation(store: Store) -> None:
    token = f.token()
    await store.tokens.insert(token)
    assert await store.tokens.revoke(token.id) is True
    first = await store.tokens.get_by_hash(token.token_hash)
    assert first is not None
    assert await store.tokens.revoke(token.id) is False
    assert_same_record(await store.tokens.get_by_hash(token.token_hash), first)


async def test_tokens_find_pages(store: Store) -> None:
    tokens = [f.token() for _ in range(5)]
    for token in tokens[::-1]:
        await store.tokens.insert(token)
    pages = await walk_find(store.tokens.find, 2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert ids(flat(pages)) == sorted(ids(tokens))
    assert_same_record(pages[0][0], next(t for t in tokens if t.id == pages[0][0].id))

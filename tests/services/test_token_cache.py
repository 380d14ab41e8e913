"""The API token cache (`hub/services/token_cache.py`): a token revoked through this process
stops at once, even when a lookup was under way; one revoked or changed elsewhere stops within
TOKEN_TRUST_SECONDS of the store saying otherwise; unknown and revoked tokens are never cached.
Time is a hand-driven clock here; `tests/web/test_token_revocation.py` does it for real."""

from __future__ import annotations

import asyncio

import pytest

from hub.domain.staff import ApiToken
from hub.ports import Store
from hub.services.staff import StaffService, create_token, hash_token
from hub.services.token_cache import TOKEN_TRUST_SECONDS, TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _token(store: Store, role: str = "service") -> tuple[str, ApiToken]:
    token = await create_token(store, name="crm", role=role)  # type: ignore[arg-type]
    found = await store.tokens.get_by_hash(hash_token(token))
    assert found is not None
    return token, found


async def test_revoked_here_stops_at_once(store: Store) -> None:
    staff = StaffService(store, tokens=TokenCache(clock=Clock()))
    token, stored = await _token(store)
    assert await staff.authenticate_token(token) is not None  # now cached
    await staff.revoke_token(stored.id)
    assert await staff.authenticate_token(token) is None


async def test_a_lookup_under_way_during_a_revocation_is_not_cached(store: Store) -> None:
    staff = StaffService(store, tokens=TokenCache(clock=Clock()))
    token, stored = await _token(store)
    reading = asyncio.Event()
    release = asyncio.Event()
    get_by_hash = store.tokens.get_by_hash

    async def slow_get(token_hash: str) -> ApiToken | None:
        found = await get_by_hash(token_hash)  # read before the revocation
        reading.set()
        await release.wait()
        return found

    store.tokens.get_by_hash = slow_get  # type: ignore[method-assign]
    lookup = asyncio.create_task(staff.authenticate_token(token))
    await reading.wait()
    store.tokens.get_by_hash = get_by_hash  # type: ignore[method-assign]
    await staff.revoke_token(stored.id)
    release.set()
    assert await lookup is not None  # it read the token valid, before the revocation
    assert await staff.authenticate_token(token) is None  # and did not cache that


async def test_revoked_elsewhere_stops_within_the_bound(store: Store) -> None:
    clock = Clock()
    staff = StaffService(store, tokens=TokenCache(clock=clock))
    token, stored = await _token(store)
    assert await staff.authenticate_token(token) is not None
    assert await store.tokens.revoke(stored.id)  # another process's write: no hook here
    clock.now += TOKEN_TRUST_SECONDS - 0.001
    assert await staff.authenticate_token(token) is not None  # the documented bound
    clock.now += 0.001
    assert await staff.authenticate_token(token) is None


async def test_a_changed_role_is_seen_within_the_bound(store: Store) -> None:
    clock = Clock()
    staff = StaffService(store, tokens=TokenCache(clock=clock))
    token, stored = await _token(store, "admin")
    assert (await staff.authenticate_token(token)).role == "admin"  # type: ignore[union-attr]
    await store._db.run(  # type: ignore[attr-defined]
        "UPDATE tokens SET doc = json_set(doc, '$.role', 'marketing') WHERE id = ?",
        (stored.id,))
    clock.now += TOKEN_TRUST_SECONDS
    assert (await staff.authenticate_token(token)).role == "marketing"  # type: ignore[union-attr]


async def test_unknown_and_revoked_tokens_always_ask_the_store(store: Store) -> None:
    staff = StaffService(store, tokens=TokenCache(clock=Clock()))
    token, stored = await _token(store)
    await store.tokens.revoke(stored.id)
    asked: list[str] = []
    get_by_hash = store.tokens.get_by_hash

    async def counting(token_hash: str) -> ApiToken | None:
        asked.append(token_hash)
        return await get_by_hash(token_hash)

    store.tokens.get_by_hash = counting  # type: ignore[method-assign]
    for candidate in (token, token, "hub_unknown", "hub_unknown"):
        assert await staff.authenticate_token(candidate) is None
    assert len(asked) == 4
    assert await staff.authenticate_token("not-a-hub-token") is None
    assert len(asked) == 4  # malformed: refused without a lookup


def test_the_bound_cannot_be_configured_past_a_second() -> None:
    with pytest.raises(ValueError, match="at most"):
        TokenCache(trust_seconds=5)
    assert TOKEN_TRUST_SECONDS <= 1.0

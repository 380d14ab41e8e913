"""store.staff_sessions and store.password_resets: sessions that can be ended server-side and
one-time reset links."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.staff_sessions import PasswordReset, StaffSession
from hub.ports import Store


def _session(user_id: str, **overrides: object) -> StaffSession:
    now = utcnow()
    fields: dict[str, object] = {"id": new_id(), "user_id": user_id, "created_at": now,
                                 "last_seen_at": now, "expires_at": now + timedelta(hours=12),
                                 "client": "192.0.2.7", "user_agent": "Firefox"}
    return StaffSession.model_validate({**fields, **overrides})


async def test_session_round_trips_and_ends_once(store: Store) -> None:
    session = _session("u1")
    await store.staff_sessions.insert(session)
    assert await store.staff_sessions.get(session.id) == session
    first_end = utcnow()
    assert await store.staff_sessions.end(session.id, first_end) is True
    assert await store.staff_sessions.end(session.id, first_end + timedelta(minutes=1)) is False
    ended = await store.staff_sessions.get(session.id)
    assert ended is not None and ended.ended_at == first_end
    assert not ended.active(utcnow())
    assert await store.staff_sessions.end(new_id(), first_end) is False


async def test_touch_moves_last_seen_of_open_sessions_only(store: Store) -> None:
    open_one, ended_one = _session("u1"), _session("u1")
    await store.staff_sessions.insert(open_one)
    await store.staff_sessions.insert(ended_one)
    await store.staff_sessions.end(ended_one.id, utcnow())
    later = utcnow() + timedelta(minutes=5)
    await store.staff_sessions.touch(open_one.id, later)
    await store.staff_sessions.touch(ended_one.id, later)
    touched = await store.staff_sessions.get(open_one.id)
    untouched = await store.staff_sessions.get(ended_one.id)
    assert touched is not None and touched.last_seen_at == later
    assert untouched is not None and untouched.last_seen_at == ended_one.last_seen_at


async def test_end_for_user_ends_that_users_sessions_but_the_kept_one(store: Store) -> None:
    mine = [_session("u1") for _ in range(3)]
    theirs = _session("u2")
    for session in [*mine, theirs]:
        await store.staff_sessions.insert(session)
    now = utcnow()
    assert await store.staff_sessions.end_for_user("u1", now, keep=mine[0].id) == 2
    assert [s.id for s in await store.staff_sessions.active_for_user("u1", now)] == [mine[0].id]
    assert await store.staff_sessions.end_for_user("u1", now) == 1
    assert await store.staff_sessions.active_for_user("u1", now) == []
    assert [s.id for s in await store.staff_sessions.active_for_user("u2", now)] == [theirs.id]


async def test_active_sessions_exclude_expired_and_come_most_recent_first(store: Store) -> None:
    now = utcnow()
    old = _session("u1", last_seen_at=now - timedelta(hours=2))
    recent = _session("u1", last_seen_at=now - timedelta(minutes=1))
    expired = _session("u1", expires_at=now - timedelta(seconds=1))
    for session in (old, recent, expired):
        await store.staff_sessions.insert(session)
    found = await store.staff_sessions.active_for_user("u1", now)
    assert [s.id for s in found] == [recent.id, old.id]
    assert await store.staff_sessions.active_for_user("u1", now, limit=1) == [recent]
    assert await store.staff_sessions.active_for_user("u1", now, limit=0) == []


def _reset(user_id: str, token_hash: str, **overrides: object) -> PasswordReset:
    fields: dict[str, object] = {"id": new_id(), "user_id": user_id, "token_hash": token_hash,
                                 "expires_at": utcnow() + timedelta(hours=24)}
    return PasswordReset.model_validate({**fields, **overrides})


async def test_a_reset_is_used_once_even_when_raced(store: Store) -> None:
    reset = _reset("u1", "h" * 64)
    await store.password_resets.insert(reset)
    assert await store.password_resets.get_by_hash("h" * 64) == reset
    now = utcnow()
    results = await asyncio.gather(*(store.password_resets.use("h" * 64, now) for _ in range(5)))
    used = [r for r in results if r is not None]
    assert len(used) == 1 and used[0].id == reset.id and used[0].used_at == now
    assert await store.password_resets.use("h" * 64, now) is None
    assert await store.password_resets.use("unknown", now) is None


async def test_an_expired_or_cancelled_reset_cannot_be_used(store: Store) -> None:
    now = utcnow()
    await store.password_resets.insert(_reset("u1", "a" * 64, expires_at=now))
    await store.password_resets.insert(_reset("u1", "b" * 64))
    await store.password_resets.insert(_reset("u2", "c" * 64))
    assert await store.password_resets.use("a" * 64, now) is None
    assert await store.password_resets.cancel_for_user("u1", now) == 2
    assert await store.password_resets.use("b" * 64, now) is None
    assert await store.password_resets.use("c" * 64, now) is not None

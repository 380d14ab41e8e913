"""Login throttling per (client, account) pair with back-off, and per client, on a real
SQLite store; the clock is the throttle's `now` argument, moved by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.domain.common import utcnow
from hub.ports import Store
from hub.services.login_throttle import LoginThrottle
from hub.store.sqlite import open_sqlite_store


class Clock:
    def __init__(self) -> None:
        self.at = utcnow()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    yield opened
    await opened.close()


async def fail(throttle: LoginThrottle, email: str, client: str, times: int) -> None:
    for _ in range(times):
        assert not await throttle.locked(email, client)
        await throttle.failed(email, client)


async def test_a_pair_is_locked_after_five_failures_and_only_that_pair(store: Store) -> None:
    throttle = LoginThrottle(store, now=Clock())
    await fail(throttle, "alice@example.org", "10.0.0.1", 4)
    assert not await throttle.locked("alice@example.org", "10.0.0.1")
    await throttle.failed("Alice@Example.org ", "10.0.0.1")
    assert await throttle.locked("alice@example.org", "10.0.0.1")
    assert not await throttle.locked("alice@example.org", "10.0.0.2")
    assert not await throttle.locked("bob@example.org", "10.0.0.1")


async def test_the_lock_backs_off_each_time_it_is_earned_again(store: Store) -> None:
    clock = Clock()
    throttle = LoginThrottle(store, now=clock)
    pair = ("alice@example.org", "10.0.0.1")
    for minutes in (15, 30, 60):
        await fail(throttle, *pair, 5)
        clock.advance(minutes=minutes - 1)
        assert await throttle.locked(*pair), minutes
        clock.advance(minutes=1, seconds=1)
        assert not await throttle.locked(*pair), minutes


async def test_a_client_failing_for_many_accounts_is_locked_for_all(store: Store) -> None:
    clock = Clock()
    throttle = LoginThrottle(store, now=clock)
    for n in range(20):
        await fail(throttle, f"user{n}@example.org", "10.0.0.9", 1)
    assert await throttle.locked("someone-else@example.org", "10.0.0.9")
    assert not await throttle.locked("someone-else@example.org", "10.0.0.10")
    clock.advance(minutes=15, seconds=1)
    assert not await throttle.locked("someone-else@example.org", "10.0.0.9")

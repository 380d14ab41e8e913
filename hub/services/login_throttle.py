"""Login throttling on the store's atomic throttle slots, so it holds across processes.

Two keys count failures: the (client, account) pair, and the client alone. Each failure takes
one of N slots for the window; when the last slot is taken the key is locked. A pair's lock
backs off: 15 minutes, then 30, 60, ... (up to 8 hours) each time the same pair earns it again
within a day. There is deliberately no lock on the account alone: anyone could then lock a
colleague out by typing wrong passwords for her address, so the right password from a client
that did not fail is never refused (argon2 keeps a spread-out guessing attack slow).

Probing a lock (`try_acquire` with until == now) takes nothing: a free slot acquired that way
is already expired."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.common import utcnow
from hub.ports import Store


@dataclass(frozen=True, slots=True)
class Limit:
    failures: int
    window: timedelta
    backoff_steps: int = 0
    """How many times the lock doubles when it is earned again within `BACKOFF_MEMORY`."""


PAIR_LIMIT = Limit(failures=5, window=timedelta(minutes=15), backoff_steps=5)
CLIENT_LIMIT = Limit(failures=20, window=timedelta(minutes=15))
BACKOFF_MEMORY = timedelta(hours=24)


def _keys(email: str, client: str) -> tuple[str, str]:
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"ui-login:pair:{account}:{client}", f"ui-login:client:{client}"


class LoginThrottle:
    def __init__(self, store: Store, *, pair: Limit = PAIR_LIMIT, client: Limit = CLIENT_LIMIT,
                 now: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._pair = pair
        self._client = client
        self._now = now

    def _keyed(self, email: str, client: str) -> list[tuple[str, Limit]]:
        pair_key, client_key = _keys(email, client)
        return [(pair_key, self._pair), (client_key, self._client)]

    async def locked(self, email: str, client: str) -> bool:
        """True while this client may not try this account (or any account)."""
        now = self._now()
        for key, _ in self._keyed(email, client):
            if not await self._store.throttle.try_acquire(f"{key}:lock", now, now):
                return True
        return False

    async def failed(self, email: str, client: str) -> None:
        now = self._now()
        for key, limit in self._keyed(email, client):
            for slot in range(limit.failures):
                if await self._store.throttle.try_acquire(f"{key}:{slot}", now + limit.window,
                                                          now):
                    if slot == limit.failures - 1:
                        until = now + limit.window * 2 ** await self._strikes(key, limit, now)
                        await self._store.throttle.try_acquire(f"{key}:lock", until, now)
                    break

    async def _strikes(self, key: str, limit: Limit, now: datetime) -> int:
        """How many locks this key earned within BACKOFF_MEMORY before this one (capped)."""
        for step in range(limit.backoff_steps):
            if await self._store.throttle.try_acquire(f"{key}:strike:{step}",
                                                      now + BACKOFF_MEMORY, now):
                return step
        return limit.backoff_steps

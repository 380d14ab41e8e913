"""Login throttling per account and per client, on the store's atomic throttle slots, so it
holds across processes. Each failure takes one of N slots for the window; when the last slot
is taken the key is locked for the window. Probing a lock (`try_acquire` with until == now)
takes nothing: a free slot acquired that way is already expired."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from hub.domain.common import utcnow
from hub.ports import Store


@dataclass(frozen=True, slots=True)
class Limit:
    failures: int
    window: timedelta


ACCOUNT_LIMIT = Limit(failures=5, window=timedelta(minutes=15))
CLIENT_LIMIT = Limit(failures=20, window=timedelta(minutes=15))


def _keys(email: str, client: str) -> list[tuple[str, Limit]]:
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [(f"ui-login:account:{account}", ACCOUNT_LIMIT), (f"ui-login:client:{client}",
                                                             CLIENT_LIMIT)]


class LoginThrottle:
    def __init__(self, store: Store, *, account: Limit = ACCOUNT_LIMIT,
                 client: Limit = CLIENT_LIMIT) -> None:
        self._store = store
        self._limits = {"account": account, "client": client}

    def _keyed(self, email: str, client: str) -> list[tuple[str, Limit]]:
        keys = _keys(email, client)
        return [(keys[0][0], self._limits["account"]), (keys[1][0], self._limits["client"])]

    async def locked(self, email: str, client: str) -> bool:
        now = utcnow()
        for key, _ in self._keyed(email, client):
            if not await self._store.throttle.try_acquire(f"{key}:lock", now, now):
                return True
        return False

    async def failed(self, email: str, client: str) -> None:
        now = utcnow()
        for key, limit in self._keyed(email, client):
            until = now + limit.window
            for slot in range(limit.failures):
                if await self._store.throttle.try_acquire(f"{key}:{slot}", until, now):
                    if slot == limit.failures - 1:
                        await self._store.throttle.try_acquire(f"{key}:lock", until, now)
                    break

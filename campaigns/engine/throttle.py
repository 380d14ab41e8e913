"""Per-channel send rate shared by every worker process: the minute is cut into slots of
`60 / per_minute` seconds, and a send takes one slot as a lease in the store's throttle
(the same atomic "take it if free or expired" that guards mailbox polling), so N workers on
one store send at the campaign's rate, not N times it."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime
from typing import Protocol

from hub.ports import ThrottleRepo

RING_SPAN_S = 0.05
"""Slot n is held under key n % ring until slot n + ring begins, ring = the slots in at least
this span (and 8): the rows stay few, and a held slot's expiry lies well past the store's
millisecond precision, so a slot is never taken twice."""


class Clock(Protocol):
    """Where the limiter reads the time (seconds since the epoch, the same in every worker
    process) and waits; tests pass a virtual one."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SharedRate:
    """At most `per_minute` acquisitions per minute across every process on the store, one
    per slot (no bursts: a slot nobody used is not saved up). Within a process one task at a
    time asks the store, so waiting tasks cost no writes."""

    def __init__(self, throttle: ThrottleRepo, key: str, per_minute: int, *,
                 clock: Clock | None = None) -> None:
        self._throttle = throttle
        self._key = key
        self._clock = clock or WallClock()
        self._interval = 60.0 / per_minute
        self._ring = max(8, math.ceil(RING_SPAN_S / self._interval))
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock.now()
                slot = math.floor(now / self._interval + 1e-9)
                if await self._throttle.try_acquire(
                        f"rate:{self._key}:{slot % self._ring}",
                        until=_at((slot + self._ring) * self._interval), now=_at(now)):
                    return
                await self._clock.sleep(max((slot + 1) * self._interval - now, 0.001))


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)

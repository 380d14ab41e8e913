"""Per-channel send rate: a spacing limiter per (campaign, channel) in this worker process."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Where the limiter reads the time and waits; tests pass a virtual one."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class RateLimiter:
    """At most `per_minute` acquisitions per minute, evenly spaced (no bursts)."""

    def __init__(self, per_minute: int, *, clock: Clock | None = None) -> None:
        self._clock = clock or MonotonicClock()
        self._interval = 60.0 / per_minute
        self._next = self._clock.now()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = self._clock.now()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await self._clock.sleep(wait)

"""Per-channel send rate: a spacing limiter per (campaign, channel) in this worker process."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most `per_minute` acquisitions per minute, evenly spaced (no bursts)."""

    def __init__(self, per_minute: int) -> None:
        self._interval = 60.0 / per_minute
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

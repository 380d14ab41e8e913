"""Wall-clock time as an injectable dependency. The campaign engine's `Clock`
(`campaigns/engine/throttle.py`) is a monotonic one for rate limits; journeys wait for days
and weekdays, so they read this one, and tests move it (a wait of days runs in ms)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from hub.domain.common import to_utc_ms, utcnow


class WallClock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class MovableClock:
    """A clock that stands still until moved (tests, benches)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = to_utc_ms(start or utcnow())

    def now(self) -> datetime:
        return self._now

    def move(self, delta: timedelta) -> datetime:
        self._now = to_utc_ms(self._now + delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = to_utc_ms(moment)

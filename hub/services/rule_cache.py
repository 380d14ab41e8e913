"""Entry rules kept in memory: the active journeys and the survey trigger rules, which every
recorded event is checked against (an inbound SMS read both from the store, two round trips
per webhook, for lists that change a few times a day).

`caching_rules(store)` wraps `store.journeys` and `store.trigger_rules` in place, as
`webhook_emit.emitting` wraps the writes: the cached reads are `journeys.with_status(["active"])`
and `trigger_rules.find()`. Any write through the wrapped repos in this process empties the
cache at once, so what this process changes it sees on its next read. A change made by another
process (a second `hub serve`, the worker, a CLI) is seen within `RULES_TTL_S` at most: for up
to that long an event can still fire a rule that was just switched off elsewhere, or miss a
journey that was just activated elsewhere. That is the documented price of reading no version
marker per event; no send depends on it (every send still goes through the outbound path,
which reads consent fresh), and the journey worker's own list (`["active", "archived"]`,
which decides whether a paused journey still sends) is never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from hub.domain.journeys import Journey, JourneyStatus, JourneyVersion
from hub.domain.surveys import TriggerRule
from hub.ports import JourneyRepo, Store, TriggerRuleRepo

RULES_TTL_S = 1.0
"""How long a cached list is used before it is read again (the staleness across processes)."""
T = TypeVar("T")


class TtlList(Generic[T]):
    """One list read through `load`, kept for `ttl_s` seconds or until `clear()`."""

    def __init__(self, load: Callable[[], Awaitable[list[T]]], ttl_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._items: list[T] | None = None
        self._read_at = 0.0
        self._generation = 0
        self._reading = asyncio.Lock()

    async def get(self) -> list[T]:
        if self._fresh():
            return list(self._items or ())
        async with self._reading:  # one read for the many events that find it stale at once
            if self._fresh():
                return list(self._items or ())
            generation, now = self._generation, self._clock()
            items = await self._load()
            if generation == self._generation:  # no write landed while we were reading
                self._items, self._read_at = items, now
            return list(items)

    def _fresh(self) -> bool:
        return self._items is not None and self._clock() - self._read_at < self._ttl_s

    def clear(self) -> None:
        self._generation += 1
        self._items = None


class _CachedJourneys:
    def __init__(self, inner: JourneyRepo, ttl_s: float) -> None:
        self._inner = inner
        self.active = TtlList(lambda: inner.with_status(["active"]), ttl_s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def with_status(self, statuses: Sequence[JourneyStatus]) -> list[Journey]:
        if list(statuses) == ["active"]:
            return await self.active.get()
        return await self._inner.with_status(statuses)

    async def insert(self, journey: Journey) -> None:
        self.active.clear()
        try:
            await self._inner.insert(journey)
        finally:
            self.active.clear()

    async def replace(self, journey: Journey) -> None:
        self.active.clear()
        try:
            await self._inner.replace(journey)
        finally:
            self.active.clear()

    async def add_version(self, version: JourneyVersion) -> None:
        await self._inner.add_version(version)


class _CachedTriggerRules:
    def __init__(self, inner: TriggerRuleRepo, ttl_s: float) -> None:
        self._inner = inner
        self._ttl_s = ttl_s
        self._pages: dict[int, TtlList[TriggerRule]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[TriggerRule]:
        if after_id is not None:
            return await self._inner.find(limit=limit, after_id=after_id)
        page = self._pages.get(limit)
        if page is None:
            page = self._pages[limit] = TtlList(lambda: self._inner.find(limit=limit),
                                                self._ttl_s)
        return await page.get()

    def clear(self) -> None:
        for page in self._pages.values():
            page.clear()

    async def insert(self, rule: TriggerRule) -> None:
        self.clear()
        try:
            await self._inner.insert(rule)
        finally:
            self.clear()

    async def replace(self, rule: TriggerRule) -> None:
        self.clear()
        try:
            await self._inner.replace(rule)
        finally:
            self.clear()


def caching_rules(store: Store, ttl_s: float = RULES_TTL_S) -> None:
    """Keep `store`'s entry rules in memory (once per store; see the module's note)."""
    if not isinstance(store.journeys, _CachedJourneys):
        store.journeys = cast(JourneyRepo, _CachedJourneys(store.journeys, ttl_s))
    if not isinstance(store.trigger_rules, _CachedTriggerRules):
        store.trigger_rules = cast(TriggerRuleRepo,
                                   _CachedTriggerRules(store.trigger_rules, ttl_s))

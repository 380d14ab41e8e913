"""The trigger rules, kept in memory for a moment: every inbound message and logged call asks
for them (`TriggerService.consider`), and reading them is a round trip to the store each time.

Invalidation: a rule changed through this process's `TriggerService` (create, switch) is seen
at once (`forget`); a change made by another process (the web app while a worker ingests mail)
is seen within `TTL` seconds. That bounded delay is safe because the rules decide only which
firings are *recorded*; whether anything is *sent* is decided at send time
(`TriggerService.run_due` reads the rule, the survey and the person again: a rule switched off
elsewhere sends nothing, consent is checked fresh). A rule switched on elsewhere starts firing
at most `TTL` later, as if it had been switched on then. A version stamp read from the store
would be exact, but would cost the very round trip the cache saves.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from hub.domain.surveys import TriggerRule

TTL = 2.0
"""Seconds a rule list read from the store is served from memory."""


class TriggerRuleCache:
    def __init__(self, load: Callable[[], Awaitable[list[TriggerRule]]], *, ttl: float = TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._rules: list[TriggerRule] | None = None
        self._until = 0.0
        self._changes = 0

    async def rules(self) -> list[TriggerRule]:
        now = self._clock()
        if self._rules is not None and now < self._until:
            return self._rules
        changes = self._changes
        rules = await self._load()
        if changes == self._changes:  # no rule changed here while we read: keep it
            self._rules, self._until = rules, now + self._ttl
        return rules

    def forget(self) -> None:
        """A rule changed here: the next `rules()` reads the store."""
        self._changes += 1
        self._rules = None

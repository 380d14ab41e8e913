"""One process's fan-out of change notices to its open live connections (SSE).

The `ChangeListener` of the process's one change feed (`hub.live_changes`). While the feed is
open (`following`), a connection reads the store only when woken by a change that concerns
it: the inbox by any conversation change, a person's timeline by an event of that person
(or of someone unknown). While it is not (SQLite, a server without change streams, a broken
stream being re-opened) every connection is due each second, as the poll it falls back to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Protocol

from hub.live_changes import LiveChange

INBOX = "inbox"


def person_topic(person_id: str) -> str:
    return f"person:{person_id}"


class Waiter:
    """One connection's wake-up: set when something it shows may have changed."""

    def __init__(self) -> None:
        self._due = asyncio.Event()
        self._due.set()  # the first round always reads

    def wake(self) -> None:
        self._due.set()

    def take(self) -> bool:
        """Whether woken since the last `take` (and clear it)."""
        due = self._due.is_set()
        self._due.clear()
        return due

    async def wait(self, seconds: float) -> None:
        """Until woken, or `seconds` at most."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._due.wait(), seconds)


class StampFollower(Protocol):
    """What the fan-out needs of the inbox's shared marker (`live.SharedStamp`)."""

    def follow(self, on: bool) -> None: ...

    def invalidate(self) -> None: ...


class LiveFanOut:
    def __init__(self, stamp: StampFollower) -> None:
        self.following = False
        self.changes = 0
        self._stamp = stamp
        self._waiters: dict[str, set[Waiter]] = {}

    @contextmanager
    def waiter(self, topic: str) -> Iterator[Waiter]:
        waiter = Waiter()
        self._waiters.setdefault(topic, set()).add(waiter)
        try:
            yield waiter
        finally:
            self._waiters[topic].discard(waiter)
            if not self._waiters[topic]:
                del self._waiters[topic]

    # --- hub.live_changes.ChangeListener ---------------------------------------------------

    def opened(self) -> None:
        self.following = True
        self._stamp.follow(True)
        self.wake_all()  # whatever changed before the stream opened is read once

    def lost(self) -> None:
        self.following = False
        self._stamp.follow(False)
        self.wake_all()

    def changed(self, change: LiveChange) -> None:
        self.changes += 1
        if change.collection == "conversations":
            self._stamp.invalidate()
            self._wake(INBOX)
        elif change.person_id is None:
            for topic in list(self._waiters):
                if topic != INBOX:
                    self._wake(topic)
        else:
            self._wake(person_topic(change.person_id))

    def _wake(self, topic: str) -> None:
        for waiter in self._waiters.get(topic, ()):
            waiter.wake()

    def wake_all(self) -> None:
        for topic in list(self._waiters):
            self._wake(topic)

"""A campaign's status read fresh for each hand-over, one store read shared by the sends
that ask at the same time.

Each send reads the campaign's status right before it reaches the provider, so a pause or
cancel confirmed to staff stops every send that has not gone out yet. A read answers every
caller who asked before it began (what it sees was committed no earlier than their
question); a caller who asks while a read is under way waits for the next one. So no
answer is older than the question, and a worker with eight sends in flight reads the
campaign about once per round trip instead of once per send. Nothing is kept between
reads: this is not a cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Read = Callable[[str], Awaitable[str]]


class FreshStatus:
    def __init__(self, read: Read) -> None:
        self._read = read
        self._next: dict[str, asyncio.Future[str]] = {}  # not begun: new callers join it
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def status(self, campaign_id: str) -> str:
        """The campaign's status as a store read begun after this call saw it."""
        waiting = self._next.get(campaign_id)
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._next[campaign_id] = waiting
            task = asyncio.create_task(self._run(campaign_id, waiting))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(waiting)

    async def _run(self, campaign_id: str, waiting: asyncio.Future[str]) -> None:
        lock = self._locks.setdefault(campaign_id, asyncio.Lock())
        async with lock:  # one read at a time per campaign; the next one gathers meanwhile
            if self._next.get(campaign_id) is waiting:
                del self._next[campaign_id]  # from here on, a new caller waits for the next
            try:
                found = await self._read(campaign_id)
            except asyncio.CancelledError:
                waiting.cancel()
                raise
            except Exception as exc:  # every caller sees what the read raised
                waiting.set_exception(exc)
                waiting.exception()  # retrieved: no warning when every caller has gone
                return
            waiting.set_result(found)

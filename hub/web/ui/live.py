"""Live updates by Server-Sent Events: `/live/inbox` and `/live/people/{id}`.

They show writes of every process (a worker, the IMAP poller, a second web process), not only
this one's. On MongoDB one change stream per process (`store.change_feed()`) wakes exactly
the connections a change concerns (`live_fanout.LiveFanOut`), which then read their rows;
without one (SQLite; a server without change streams; a stream being re-opened) each
connection is due once a second, and the inbox's marker is read at most once a second for
the whole process (`SharedStamp`). Pages work without it: the stream only adds what a reload
would show."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from hub.domain.staff import SERVICE
from hub.live_changes import ChangeFeed, ChangeStreamUnsupported
from hub.web.keys import SERVICES
from hub.web.ui.guard import SESSION, session_user, staff_page
from hub.web.ui.live_fanout import INBOX, LiveFanOut, person_topic
from hub.web.ui.render import fragment

log = logging.getLogger("hub.live")

LIVE_STOP = web.AppKey("ui_live_stop", asyncio.Event)


class SharedStamp:
    """The inbox's version marker (`ServiceDesk.stamp`: one indexed read), read at most once
    per `max_age` seconds for the whole process, however many tabs are open: each open inbox
    tab compares its last marker with this one, and only a changed marker makes the tab
    fetch its rows again. While a change stream is followed the marker is read only after a
    conversation changed (`invalidate`), not by age."""

    def __init__(self, read: Callable[[], Awaitable[str]], max_age: float) -> None:
        self._read = read
        self._max_age = max_age
        self._value = ""
        self._at = float("-inf")
        self._lock = asyncio.Lock()
        self._following = False
        self._changes = 0  # conversation changes told; `_read_changes`: as of the last read
        self._read_changes = -1
        self.reads = 0

    def follow(self, on: bool) -> None:
        self._following = on
        self.invalidate()

    def invalidate(self) -> None:
        self._changes += 1

    def _fresh(self, now: float) -> bool:
        if self._following:
            return self._read_changes == self._changes
        return now - self._at < self._max_age

    async def get(self) -> str:
        loop = asyncio.get_running_loop()
        if self._fresh(loop.time()):
            return self._value
        async with self._lock:
            if not self._fresh(loop.time()):
                changes = self._changes  # a change told during the read makes it stale again
                self._value = await self._read()
                self._at = loop.time()
                self._read_changes = changes
                self.reads += 1
        return self._value


INBOX_STAMP = web.AppKey("ui_inbox_stamp", SharedStamp)
LIVE_FANOUT = web.AppKey("ui_live_fanout", LiveFanOut)
POLL_SECONDS = 1.0
MAX_CONNECTION_SECONDS = 300.0  # the browser reconnects by itself; bounded handlers
NEWEST = 20


class FeedFollower:
    """Follows the store's change feed in one task, from the first live connection on (a
    worker process serves none, so it never opens a change stream)."""

    def __init__(self, feed: ChangeFeed | None, fanout: LiveFanOut) -> None:
        self._feed = feed
        self._fanout = fanout
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self) -> None:
        if self._feed is not None and self._task is None and not self._stopped:
            self._task = asyncio.create_task(self._follow(self._feed))

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self, feed: ChangeFeed) -> None:
        try:
            await feed.follow(self._fanout)
        except ChangeStreamUnsupported as e:
            log.info("live updates poll the store once a second per process: %s", e.message)
        except Exception:  # a bug in following must not leave the views waiting for no one
            log.exception("live updates: following the change stream failed; polling now")
            self._fanout.lost()


LIVE_FOLLOWER = web.AppKey("ui_live_follower", FeedFollower)


async def live_ctx(app: web.Application) -> AsyncIterator[None]:
    app[LIVE_STOP] = asyncio.Event()

    async def read_stamp() -> str:
        return await app[SERVICES].desk.stamp()

    app[INBOX_STAMP] = SharedStamp(read_stamp, POLL_SECONDS * 0.9)
    app[LIVE_FANOUT] = LiveFanOut(app[INBOX_STAMP])
    app[LIVE_FOLLOWER] = FeedFollower(app[SERVICES].store.change_feed(), app[LIVE_FANOUT])
    try:
        yield
    finally:
        await app[LIVE_FOLLOWER].stop()


async def stop_live(app: web.Application) -> None:
    app[LIVE_STOP].set()
    app[LIVE_FANOUT].wake_all()
    await app[LIVE_FOLLOWER].stop()  # before the store closes under it


def _message(event: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n".encode()


async def _stream(request: web.Request, topic: str,
                  poll: Callable[[], Awaitable[list[tuple[str, str]]]]) -> web.StreamResponse:
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "X-Accel-Buffering": "no"})
    await response.prepare(request)
    stop = request.app[LIVE_STOP]
    fanout = request.app[LIVE_FANOUT]
    request.app[LIVE_FOLLOWER].start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_CONNECTION_SECONDS
    try:
        await response.write(b"retry: 2000\n\n")
        with fanout.waiter(topic) as waiter:
            while not stop.is_set() and loop.time() < deadline:
                if await session_user(request, request[SESSION]) is None:
                    break  # logged out (here or everywhere), ended by an admin, or disabled
                if waiter.take() or not fanout.following:
                    for event, data in await poll():
                        await response.write(_message(event, data))
                await waiter.wait(POLL_SECONDS)  # the shutdown wakes every waiter
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


@staff_page(SERVICE)
async def live_person(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    person = await services.persons.get(request.match_info["person_id"])
    first = await services.timeline.page("person", person.id, limit=NEWEST)
    seen = {e.id for e in first.items}
    known = request.query.get("last", "")
    if known and first.items and known != first.items[0].id and known in seen:
        # events stored between the page load and this connection are still new
        newer = [e.id for e in first.items[:[e.id for e in first.items].index(known)]]
        seen -= set(newer)

    async def poll() -> list[tuple[str, str]]:
        page = await services.timeline.page("person", person.id, limit=NEWEST)
        new = [e for e in page.items if e.id not in seen]
        if not new:
            return []
        seen.update(e.id for e in new)
        html = fragment(request, "ui/timeline_items.html", {
            "events": new, "next_cursor": None, "base": "",
            "channel": "", "channels": {}, "show_images": False, "is_first": False}).text
        return [("events", json.dumps({"html": html or "", "ids": [e.id for e in new]}))]

    return await _stream(request, person_topic(person.id), poll)


@staff_page(SERVICE)
async def live_inbox(request: web.Request) -> web.StreamResponse:
    """Tells an open inbox that conversations changed (the page then fetches its rows, with
    its own filters); `v` is the marker the page was rendered with."""
    last = [request.query.get("v", "")]
    shared = request.app[INBOX_STAMP]

    async def poll() -> list[tuple[str, str]]:
        stamp = await shared.get()
        if stamp == last[0]:
            return []
        last[0] = stamp
        return [("inbox", json.dumps({"stamp": stamp}))]

    return await _stream(request, INBOX, poll)

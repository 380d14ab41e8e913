"""One MongoDB change stream on the collections the live views show (conversations, events).

Opened once per process by the staff UI (`hub/web/ui/live.py`). A failed stream is re-opened
after the last change it delivered (its resume token), with a growing pause; while it is down
the listener polls. A server without change streams (a standalone mongod: they need a replica
set, even a one-node one) raises `ChangeStreamUnsupported` once, at the first open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from hub.live_changes import ChangeListener, ChangeStreamUnsupported, LiveChange
from hub.store.mongo_base import Doc

log = logging.getLogger("hub.live")

UNSUPPORTED_CODES = frozenset({
    40573,  # "The $changeStream stage is only supported on replica sets" (standalone mongod)
    40324,  # "Unrecognized pipeline stage name: '$changeStream'" (servers without them)
    115,  # CommandNotSupported
})
HISTORY_LOST_CODES = frozenset({
    286,  # ChangeStreamHistoryLost: the resume point has left the oplog
    280,  # ChangeStreamFatalError
    260,  # InvalidResumeToken
    40576,  # "resume of change stream was not possible" (servers before 4.2)
    40585,  # "the resume token was not found"
})
MAX_AWAIT_MS = 1000
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 30.0

PIPELINE: list[Mapping[str, Any]] = [
    {"$match": {"$or": [
        {"ns.coll": "conversations"},
        {"ns.coll": "events", "operationType": {"$in": ["insert", "replace"]}},
        # a merge moves events to the surviving person with a `$set` of person_id
        {"ns.coll": "events", "operationType": "update",
         "updateDescription.updatedFields.person_id": {"$exists": True}},
    ]}},
    # keep `_id` (the resume token); leave the rest of each document on the server
    {"$project": {"ns": 1, "operationType": 1, "fullDocument.person_id": 1,
                  "updateDescription.updatedFields.person_id": 1}},
]


def live_change(change: Mapping[str, Any]) -> LiveChange:
    if change.get("ns", {}).get("coll") == "conversations":
        return LiveChange("conversations")
    person_id = ((change.get("fullDocument") or {}).get("person_id")
                 or ((change.get("updateDescription") or {}).get("updatedFields") or {})
                 .get("person_id"))
    return LiveChange("events", person_id if isinstance(person_id, str) else None)


class MongoChangeFeed:
    """`hub.live_changes.ChangeFeed` on a database's conversations and events."""

    def __init__(self, database: AsyncDatabase[Doc], *,
                 first_retry_s: float = FIRST_RETRY_S) -> None:
        self._database = database
        self._first_retry_s = first_retry_s
        self._token: Mapping[str, Any] | None = None
        self._opens = 0

    async def follow(self, listener: ChangeListener) -> None:
        pause = self._first_retry_s
        while True:
            opens = self._opens
            try:
                await self._stream(listener)
                why = "the server ended it"
            except OperationFailure as e:
                if e.code in UNSUPPORTED_CODES and not self._opens:
                    raise ChangeStreamUnsupported(
                        f"the MongoDB server has no change streams ({e.code}: "
                        f"{_first_line(e)}); they need a replica set") from e
                if e.code in HISTORY_LOST_CODES:
                    self._token = None  # start from now; the poll while down covers the gap
                why = f"{e.code}: {_first_line(e)}"
            except PyMongoError as e:
                why = _first_line(e)
            listener.lost()
            if self._opens > opens:
                pause = self._first_retry_s  # it ran a while: a fresh failure, not a streak
            log.warning("live updates: the change stream stopped (%s); re-opening in %.1f s, "
                        "polling meanwhile", why, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RETRY_S)

    async def _stream(self, listener: ChangeListener) -> None:
        async with await self._database.watch(
                PIPELINE, resume_after=self._token, max_await_time_ms=MAX_AWAIT_MS) as stream:
            self._token = stream.resume_token
            self._opens += 1
            listener.opened()
            while stream.alive:
                change = await stream.try_next()
                self._token = stream.resume_token
                if change is not None:
                    listener.changed(live_change(change))
        self._token = None  # no longer alive: invalidated (the database was dropped)


def _first_line(error: PyMongoError) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__

"""The MongoDB change feed of the live views, on SecantusDB (a one-node replica set, so it has
change streams): it tells what the views show and nothing else, and after losing the server it
re-opens where it left off (its resume token), so a write made while it was down still arrives.
On a server without change streams (mongomock answers as a standalone mongod) it says so."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, MongoClient

from hub.live_changes import ChangeStreamUnsupported, LiveChange
from hub.store.mongo_changes import MongoChangeFeed
from tests.contracts.secantus import SecantusServer, start_secantus
from tests.support.async_mongomock import AsyncMongoMockClient

REOPEN_S = 15.0


@dataclass
class Server:
    root: Path
    running: SecantusServer

    def restart(self) -> None:
        self.running = start_secantus(self.root, self.running.port)


@pytest.fixture
def server() -> Iterator[Server]:
    root = Path(tempfile.mkdtemp(prefix="hub-feed-"))
    held = Server(root, start_secantus(root))
    try:
        yield held
    finally:
        held.running.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Recorder:
    """A `ChangeListener` that writes down what it is told."""

    told: list[LiveChange | str] = field(default_factory=list)
    news: asyncio.Event = field(default_factory=asyncio.Event)

    def opened(self) -> None:
        self._tell("opened")

    def lost(self) -> None:
        self._tell("lost")

    def changed(self, change: LiveChange) -> None:
        self._tell(change)

    def _tell(self, what: LiveChange | str) -> None:
        self.told.append(what)
        self.news.set()

    async def until(self, what: LiveChange | str, seconds: float = 20.0) -> None:
        async with asyncio.timeout(seconds):
            while what not in self.told:
                self.news.clear()
                await self.news.wait()


@asynccontextmanager
async def follow(server: Server, first_retry_s: float) -> AsyncIterator[tuple[Recorder, str]]:
    name = f"hub_feed_{uuid.uuid4().hex}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        server.running.url, tz_aware=True, serverSelectionTimeoutMS=2000)
    recorder = Recorder()
    task = asyncio.create_task(MongoChangeFeed(client[name], first_retry_s=first_retry_s)
                               .follow(recorder))
    try:
        await recorder.until("opened")
        yield recorder, name
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.close()


def other_client(server: Server, name: str) -> Any:
    """Another process's connection, as a worker's would be."""
    return MongoClient(server.running.url)[name]


@pytest.mark.timeout(120)
async def test_it_tells_conversation_changes_and_new_or_moved_events(server: Server) -> None:
    async with follow(server, first_retry_s=1.0) as (recorder, name):
        await asyncio.to_thread(_write_some, server, name)
        await recorder.until(LiveChange("conversations"))
    assert recorder.told == ["opened", LiveChange("events", "ann"), LiveChange("events", "bob"),
                             LiveChange("conversations")]


def _write_some(server: Server, name: str) -> None:
    db = other_client(server, name)
    db["events"].insert_one({"_id": "e1", "person_id": "ann"})
    db["events"].update_one({"_id": "e1"}, {"$set": {"status": "delivered"}})  # not shown
    db["persons"].insert_one({"_id": "ann"})  # not a live view's
    db["events"].update_one({"_id": "e1"}, {"$set": {"person_id": "bob"}})  # a merge
    db["conversations"].insert_one({"_id": "c1", "person_id": "ann"})
    db.client.close()


@pytest.mark.timeout(180)
async def test_after_losing_the_server_it_resumes_where_it_left_off(server: Server) -> None:
    # it waits REOPEN_S after losing the server: time to restart it and write in that gap
    async with follow(server, first_retry_s=REOPEN_S) as (recorder, name):
        server.running.stop()
        await recorder.until("lost", seconds=60)
        await asyncio.to_thread(server.restart)

        def write() -> None:
            db = other_client(server, name)
            db["events"].insert_one({"_id": "e2", "person_id": "cas"})
            db.client.close()

        await asyncio.to_thread(write)
        assert recorder.told.count("opened") == 1  # still closed: written in the gap
        await recorder.until(LiveChange("events", "cas"), seconds=60)
    assert recorder.told[-2:] == ["opened", LiveChange("events", "cas")]


async def test_a_server_without_change_streams_says_so() -> None:
    client = AsyncMongoMockClient()
    recorder = Recorder()
    with pytest.raises(ChangeStreamUnsupported, match="replica set"):
        await MongoChangeFeed(client["hub"]).follow(recorder)  # type: ignore[arg-type]
    assert recorder.told == []
    await client.close()

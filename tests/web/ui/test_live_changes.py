"""Live views on MongoDB: one change stream per process wakes the open SSE connections.

Two Hub apps on one SecantusDB (a real MongoDB wire server, a one-node replica set), each with
its own client, as two processes would be: what the second one writes reaches the first one's
open inbox and timeline streams, although those do not poll: while nothing changes the inbox
marker and the timeline are not read (with a poll interval of 0.2 s), and the write arrives
within seconds with an interval of a minute. On a server
without change streams (mongomock answers as a standalone mongod) the views poll, and the
log says why once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from hub.config import Settings, load_settings
from hub.domain.common import new_id
from hub.domain.events import Event
from hub.ports import Store
from hub.services.persons import PersonInput
from hub.services.staff import add_user
from hub.store import create_store
from hub.store.mongo import open_mongo_database_store
from hub.web.app import create_app
from hub.web.keys import SERVICES
from hub.web.ui import live
from tests.contracts.secantus import SecantusServer, start_secantus
from tests.support.async_mongomock import AsyncMongoMockClient
from tests.web.ui.conftest import PASSWORD, Ui

Clients = Callable[..., Awaitable[TestClient]]


@pytest.fixture(scope="module")
def secantus() -> Iterator[SecantusServer]:
    root = Path(tempfile.mkdtemp(prefix="hub-live-"))
    server = start_secantus(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({"HUB_DATABASE_URL": database_url,
                          "HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)


async def _ui(settings: Settings, store: Store, aiohttp_client: Clients) -> Ui:
    await add_user(store, email="service@example.org", role="service", password=PASSWORD,
                   name="Service Person")
    client = await aiohttp_client(create_app(settings, store=store))
    ui = Ui(client=client, store=store, settings=settings)
    await ui.login()
    return ui


async def _open(ui: Ui, path: str) -> ClientResponse:
    response = await ui.client.get(path, headers={"Accept": "text/event-stream"})
    assert response.status == 200
    assert await response.content.readline() == b"retry: 2000\n"
    return response


async def _next_data(response: ClientResponse, seconds: float) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            line = (await response.content.readline()).decode()
            if line.startswith("data: "):
                return dict(json.loads(line[6:]))

    return await asyncio.wait_for(read(), seconds)


def _sms(person_id: str, text: str) -> Event:
    return Event(id=new_id(), person_id=person_id, channel="sms", direction="inbound",
                 text=text)


@pytest.fixture
async def two_processes(secantus: SecantusServer, tmp_path: Path, aiohttp_client: Clients,
                        monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Ui, Ui]]:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.2)  # a poll would show in the counts at once
    url = f"mongodb://127.0.0.1:{secantus.port}/hub_live_{uuid.uuid4().hex}?directConnection=true"
    settings = _settings(tmp_path, url)
    stores = [await create_store(settings), await create_store(settings)]  # a client each
    try:
        reader = await _ui(settings, stores[0], aiohttp_client)
        writer = Ui(client=await aiohttp_client(create_app(settings, store=stores[1])),
                    store=stores[1], settings=settings)
        yield reader, writer
    finally:
        for store in stores:
            await store.close()


@pytest.mark.timeout(120)
async def test_what_another_process_writes_reaches_open_streams_without_polling(
        two_processes: tuple[Ui, Ui], monkeypatch: pytest.MonkeyPatch) -> None:
    reader, writer = two_processes
    app = reader.client.app
    fanout, stamp = app[live.LIVE_FANOUT], app[live.INBOX_STAMP]
    services = app[SERVICES]
    person = await services.persons.create(PersonInput(name="Ida Stroom"))
    first, _ = await services.timeline.record(_sms(person.id, "eerste vraag"))
    timeline_reads = []
    page = services.timeline.page

    async def counted_page(*args: Any, **kwargs: Any) -> Any:
        timeline_reads.append(args)
        return await page(*args, **kwargs)

    monkeypatch.setattr(services.timeline, "page", counted_page)  # a spy: it still reads
    rendered = await services.desk.stamp()  # the marker the inbox page was rendered with
    inbox = await _open(reader, f"/live/inbox?v={rendered}")
    timeline = await _open(reader, f"/live/people/{person.id}?last={first.id}")
    for _ in range(400):  # the first live connection opened the change stream
        if fanout.following:
            break
        await asyncio.sleep(0.05)
    assert fanout.following
    await asyncio.sleep(1.5)  # past each stream's first round, and the writes above told
    reads, pages = stamp.reads, len(timeline_reads)
    await asyncio.sleep(2.5)
    assert (stamp.reads, len(timeline_reads)) == (reads, pages)  # idle: nothing is polled

    monkeypatch.setattr(live, "POLL_SECONDS", 60.0)  # now only a change can wake them in time
    await asyncio.sleep(0.5)
    await writer.client.app[SERVICES].timeline.record(_sms(person.id, "nieuwe <b>vraag</b>"))
    news = await _next_data(timeline, seconds=10)
    assert "nieuwe &lt;b&gt;vraag&lt;/b&gt;" in news["html"]
    async with asyncio.timeout(10):
        while (await _next_data(inbox, seconds=10))["stamp"] <= rendered:
            pass  # a marker told before this write's notice came in (it came, too)
    assert stamp.reads - reads <= 2  # once per change told, not per tab or second
    inbox.close()
    timeline.close()


@pytest.mark.timeout(60)
async def test_without_change_streams_the_views_poll_and_the_log_says_why_once(
        tmp_path: Path, aiohttp_client: Clients, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.live")
    client = AsyncMongoMockClient()
    store = await open_mongo_database_store(client["hub"])  # type: ignore[arg-type]
    try:
        ui = await _ui(_settings(tmp_path, "sqlite:///unused.db"), store, aiohttp_client)
        app = ui.client.app
        services = app[SERVICES]
        person = await services.persons.create(PersonInput(name="Ida Poll"))
        first, _ = await services.timeline.record(_sms(person.id, "eerste vraag"))
        assert not [r for r in caplog.records if r.name == "hub.live"]  # opened on first use
        timeline = await _open(ui, f"/live/people/{person.id}?last={first.id}")
        await services.timeline.record(_sms(person.id, "tweede vraag"))
        assert "tweede vraag" in (await _next_data(timeline, seconds=10))["html"]
        timeline.close()
        assert not app[live.LIVE_FANOUT].following
        why = [r.getMessage() for r in caplog.records if r.name == "hub.live"]
        assert len(why) == 1 and "poll" in why[0] and "replica set" in why[0], why
        reads = app[live.INBOX_STAMP].reads
        await app[live.INBOX_STAMP].get()
        await asyncio.sleep(1.0)
        await app[live.INBOX_STAMP].get()
        assert app[live.INBOX_STAMP].reads > reads  # read by age, as on SQLite
    finally:
        await store.close()
        await client.close()

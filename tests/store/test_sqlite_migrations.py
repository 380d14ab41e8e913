"""SQLite migrations: a file written by an older release opens, upgraded in place."""

from __future__ import annotations

import json
from pathlib import Path

from hub.domain.common import iso, new_id
from hub.domain.events import Event
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from tests.contracts import factories as f


async def v1_file(path: Path, events: list[Event]) -> None:
    """A database as release 1 wrote it: schema version 1, events without `direction`."""
    db = await Database.connect(str(path))
    try:
        assert await migrate(db, MIGRATIONS[:1]) == 1
        for event in events:
            await db.run(
                "INSERT INTO events (id, person_id, organisation_id, channel, occurred_at, "
                "external_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event.id, event.person_id, event.organisation_id, event.channel,
                 iso(event.occurred_at), event.external_id, json.dumps(event.to_json())),
            )
    finally:
        await db.close()


async def test_migration_2_backfills_direction_and_adds_tables(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    person_id = new_id()
    outbound = f.event(person_id, channel="sms", direction="outbound", occurred_at=f.at(10))
    inbound = f.event(person_id, channel="sms", direction="inbound", occurred_at=f.at(20))
    await v1_file(path, [outbound, inbound])

    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        db = store._db
        assert await db.value("PRAGMA user_version") == len(MIGRATIONS)
        rows = await db.rows("SELECT id, direction FROM events ORDER BY id")
        assert dict(rows) == {outbound.id: "outbound", inbound.id: "inbound"}
        latest = await store.events.latest_outbound(person_id, "sms", f.at(0))
        assert latest is not None
        assert latest.id == outbound.id
        plan = await db.rows(
            "EXPLAIN QUERY PLAN SELECT doc FROM events WHERE person_id = ? AND channel = ? "
            "AND direction = 'outbound' AND occurred_at >= ? "
            "ORDER BY occurred_at DESC, id DESC LIMIT 1",
            (person_id, "sms", iso(f.at(0))),
        )
        assert any("events_person_direction" in str(row) for row in plan), plan
        assert await store.throttle.try_acquire("k", until=f.at(1), now=f.at(0)) is True
        assert await store.forms.find() == []
        assert await store.quarantine.find() == []
    finally:
        await store.close()


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    for _ in range(2):
        store = await open_sqlite_store(url)
        try:
            assert await store._db.value("PRAGMA user_version") == len(MIGRATIONS)
        finally:
            await store.close()

"""The call-figures migration: the copies of each call's agent, duration and wait on its event
row are backfilled on a file written before it, kept by every write of a call event, and the
KPI call figures read them from the index alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.domain.analytics import CallFigures
from hub.domain.common import iso, new_id
from hub.domain.events import CallInfo, Event
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_analytics import CALL_TOTALS_SQL, CALLS_PER_AGENT_SQL
from hub.store.sqlite_base import dump
from hub.store.sqlite_call_facts import CALL_FACTS
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from tests.support.old_rows import insert_old_event

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)


def call(at: datetime, **figures: object) -> Event:
    return Event(id=new_id(), person_id="p1", channel="call", direction="inbound",
                 occurred_at=at, call=CallInfo.model_validate(figures))


async def test_backfilled_then_kept_on_every_write(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    old = [call(START + timedelta(days=3), agent="Ann", duration_s=100, wait_s=10),
           call(START - timedelta(days=3), agent="Ann", duration_s=999)]
    db = await Database.connect(str(path))
    try:
        await migrate(db, MIGRATIONS[:MIGRATIONS.index(CALL_FACTS)])
        for event in old:
            await insert_old_event(db, event)
    finally:
        await db.close()

    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        assert await store.analytics.call_figures(START, END) == CallFigures(
            count=1, duration_total_s=100, duration_count=1, wait_total_s=10, wait_count=1,
            per_agent={"Ann": 1})
        await store.events.append(call(START + timedelta(days=4), agent="Bob", wait_s=50))
        await store.events.append_many([call(START + timedelta(days=5), duration_s=300),
                                        Event(id=new_id(), person_id="p1", channel="email",
                                              direction="inbound", occurred_at=START)])
        # an insert that does not write the copies (not through SqliteEvents) gets them
        raw = call(START + timedelta(days=6), agent="Cas", duration_s=20, wait_s=5)
        await store._db.run(
            "INSERT INTO events (id, person_id, channel, occurred_at, direction, doc) "
            "VALUES (?, ?, ?, ?, ?, ?)", (raw.id, raw.person_id, raw.channel,
                                          iso(raw.occurred_at), raw.direction, dump(raw)))
        expected = CallFigures(count=4, duration_total_s=420, duration_count=3,
                               wait_total_s=65, wait_count=3,
                               per_agent={"Ann": 1, "Bob": 1, "Cas": 1})
        assert await store.analytics.call_figures(START, END) == expected
        # a rewrite of the document that keeps the call (erasure) keeps the figures; one that
        # changes it (any future path) moves them
        await store.events.erase_person("p1")
        assert await store.analytics.call_figures(START, END) == expected
        await store._db.run("UPDATE events SET doc = json_set(doc, '$.call.duration_s', 150) "
                            "WHERE id = ?", (old[0].id,))
        assert (await store.analytics.call_figures(START, END)).duration_total_s == 470
        # only call events carry the copies
        assert await store._db.value(
            "SELECT count(*) FROM events WHERE channel != 'call' AND (call_agent IS NOT NULL "
            "OR call_duration_s IS NOT NULL OR call_wait_s IS NOT NULL)") == 0
        for sql, index in ((CALL_TOTALS_SQL, "events_call_figures"),
                           (CALLS_PER_AGENT_SQL, "events_call_agents")):
            plan = [row[3] for row in await store._db.rows(
                "EXPLAIN QUERY PLAN " + sql, (iso(START), iso(END)))]
            assert any(f"COVERING INDEX {index}" in step for step in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan
    finally:
        await store.close()

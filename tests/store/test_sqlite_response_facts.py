"""The first-response facts migration: a file written before it gets every question's facts
backfilled; afterwards the triggers keep them on writes that do not go through `SqliteEvents`
(no role written) and on rewrites that change an event's time or role; the KPI reads them from
one covering index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.domain.common import iso, new_id
from hub.domain.events import Event
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_base import dump
from hub.store.sqlite_db import Database
from hub.store.sqlite_response_facts import (
    FIRST_RESPONSES_SQL,
    RESPONSE_FACTS,
    UNANSWERED_SQL,
    contact_role_sql,
)
from hub.store.sqlite_schema import MIGRATIONS, migrate

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MIN = 60_000


def message(person: str, minutes: int, direction: str, **more: object) -> Event:
    return Event.model_validate({"id": new_id(), "person_id": person, "channel": "email",
                                 "direction": direction,
                                 "occurred_at": T0 + timedelta(minutes=minutes), **more})


RAW_INSERT = ("INSERT INTO events (id, person_id, channel, occurred_at, direction, doc) "
              "VALUES (?, ?, ?, ?, ?, ?)")


def raw(event: Event) -> tuple[object, ...]:
    return (event.id, event.person_id, event.channel, iso(event.occurred_at), event.direction,
            dump(event))


async def test_backfilled_then_kept_on_every_write(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    p1, p2 = new_id(), new_id()
    old = [message(p1, 0, "inbound"), message(p1, 5, "inbound"), message(p1, 20, "outbound"),
           message(p1, 30, "inbound"), message(p2, 1, "inbound"),
           message(p2, 2, "outbound", campaign_id="c1"), message(p2, 9, "outbound")]
    db = await Database.connect(str(path))
    try:
        await migrate(db, MIGRATIONS[:MIGRATIONS.index(RESPONSE_FACTS)])
        async with db.transaction() as session:
            await session.run_many(RAW_INSERT, [raw(event) for event in old])
    finally:
        await db.close()

    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        async def responses() -> tuple[list[int], int]:
            got = (await store.analytics.kpi_figures(START, END)).responses
            return got.waits_ms, got.unanswered

        # P1: 0 and 5 wait until 20, 30 waits; P2: 1 until 9 (the campaign send is no answer)
        assert await responses() == ([8 * MIN, 20 * MIN], 1)
        # an answer inserted without its role (not through SqliteEvents) is marked and closes
        late = message(p1, 40, "outbound")
        await store._db.run(RAW_INSERT, raw(late))
        assert await responses() == ([8 * MIN, 10 * MIN, 20 * MIN], 0)
        # a rewrite moving that answer later lengthens the wait; one making it a campaign send
        # reopens the stretch
        await store.events.replace(late.model_copy(update={"occurred_at": late.occurred_at
                                                           + timedelta(minutes=5)}))
        assert await responses() == ([8 * MIN, 15 * MIN, 20 * MIN], 0)
        await store.events.replace(late.model_copy(update={"campaign_id": "c2"}))
        assert await responses() == ([8 * MIN, 20 * MIN], 1)
        assert await store._db.value(
            "SELECT count(*) FROM events WHERE contact_role IS NULL "
            "AND (answered_at IS NOT NULL OR stretch_prev_at IS NOT NULL)") == 0
        for sql in (FIRST_RESPONSES_SQL, UNANSWERED_SQL):
            plan = [row[3] for row in await store._db.rows(
                "EXPLAIN QUERY PLAN " + sql, (iso(START), iso(END)))]
            assert plan == [
                "SEARCH events USING COVERING INDEX events_first_responses "
                "(contact_role=? AND occurred_at>? AND occurred_at<?)"], plan
    finally:
        await store.close()


async def test_the_store_writes_the_role_the_triggers_would(tmp_path: Path) -> None:
    """The insert triggers trust the role `SqliteEvents` writes: the same rule as in SQL."""
    store = await open_sqlite_store(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        events = [Event.model_validate({
            "id": new_id(), "person_id": person, "channel": channel, "direction": direction,
            "occurred_at": T0, **({"campaign_id": "c1"} if campaign else {})})
            for person in (new_id(), None)
            for channel in ("email", "sms", "whatsapp", "webform", "call", "note", "system",
                            "survey")
            for direction in ("inbound", "outbound", "internal")
            for campaign in (False, True)]
        await store.events.append_many(events[::2])
        async with store._db.transaction() as session:
            await session.run_many(RAW_INSERT, [raw(event) for event in events[1::2]])
        written = dict(await store._db.rows("SELECT id, contact_role FROM events"))
        ruled = dict(await store._db.rows(
            f"SELECT id, {contact_role_sql('events')} FROM events"))
        assert written == ruled
        assert set(written.values()) == {None, 1, 2}
    finally:
        await store.close()

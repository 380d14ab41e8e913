"""The person-facts migration on a file written before it: facts and consent columns are
backfilled from the stored events and documents, and the segment counts that read them agree
with what the documents say; the statements that seek into the DESC event indexes give the
rows a scan gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.domain.common import iso, new_id
from hub.domain.consent import ConsentState
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_events import AWAITING_SQL
from hub.store.sqlite_person_facts import PERSON_FACTS
from hub.store.sqlite_schema import MIGRATIONS, migrate
from tests.support.old_rows import insert_old_event, insert_old_person

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def test_the_migration_backfills_facts_and_consent(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    anna = Person(id=new_id(), name="Anna", attributes={"pyramid_tier": "top"},
                  consent={"sms": ConsentState(status="opted_in", source="test")})
    bert = Person(id=new_id(), name="Bert", attributes={"pyramid_tier": 3})
    events = [
        Event(id=new_id(), person_id=anna.id, channel="email", direction="inbound",
              occurred_at=NOW - timedelta(days=3)),
        Event(id=new_id(), person_id=anna.id, channel="note", direction="internal",
              occurred_at=NOW - timedelta(days=1)),
        Event(id=new_id(), person_id=bert.id, channel="sms", direction="outbound",
              occurred_at=NOW - timedelta(days=400)),
    ]
    db = await Database.connect(str(path))
    try:
        await migrate(db, MIGRATIONS[:MIGRATIONS.index(PERSON_FACTS)])
        for person in (anna, bert):
            await insert_old_person(db, person)
        for event in events:
            await insert_old_event(db, event)
    finally:
        await db.close()

    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        facts = await store._db.rows(
            "SELECT person_id, last_contact_at, last_inbound_at FROM person_facts")
        assert sorted(facts) == sorted([
            (anna.id, iso(events[0].occurred_at), iso(events[0].occurred_at)),
            (bert.id, iso(events[2].occurred_at), None)])
        columns = await store._db.rows(
            "SELECT id, consent_sms, consent_email, pyramid_tier FROM persons")
        assert sorted(columns) == sorted([(anna.id, "opted_in", "unknown", "top"),
                                          (bert.id, "unknown", "unknown", None)])

        async def names(filter_: dict[str, object]) -> set[str]:
            found = await store.persons.find_matching(plan(parse_filter(filter_), NOW))
            return {p.name for p in found}

        assert await names({"field": "last_contact", "op": "within_days", "value": 30}) == {
            "Anna"}
        assert await names({"field": "last_contact", "op": "older_than_days",
                            "value": 365}) == {"Bert"}
        assert await names({"field": "consent.sms", "op": "eq", "value": "unknown"}) == {
            "Bert"}
        assert await names({"field": "pyramid_tier", "op": "eq", "value": "top"}) == {"Anna"}
    finally:
        await store.close()


async def test_in_lists_into_desc_indexes_give_the_rows_a_scan_gives(tmp_path: Path) -> None:
    """SQLite 3.40 can return wrong rows for an IN seek into an index with a DESC column
    (events_person_timeline, events_person_direction). The statements that name several
    persons or channels against those indexes, forced onto each index, agree with a scan."""
    store = await open_sqlite_store(f"sqlite:///{tmp_path / 'hub.db'}")
    rng = random.Random(3)
    people = [new_id() for _ in range(12)]
    try:
        await store.events.append_many([
            Event(id=new_id(), person_id=rng.choice(people),
                  channel=rng.choice(["email", "sms", "whatsapp", "call", "note", "webform"]),
                  direction=rng.choice(["inbound", "outbound"]),
                  occurred_at=NOW - timedelta(minutes=rng.randrange(50_000)))
            for _ in range(1500)])
        db = store._db
        await db.run("ANALYZE")
        marks = ", ".join("?" for _ in people[:6])
        since = iso(NOW - timedelta(minutes=20_000))
        statements = [
            (f"SELECT person_id, count(*) FROM events {{}} WHERE person_id IN ({marks}) "
             "AND direction = 'outbound' AND occurred_at >= ? GROUP BY person_id",
             [*people[:6], since]),
            (f"SELECT id FROM events {{}} WHERE person_id IN ({marks}) AND occurred_at < ? "
             "ORDER BY occurred_at DESC, id DESC LIMIT 40", [*people[:6], since]),
            ("SELECT min(e.occurred_at) FROM events e {} WHERE e.person_id = ? "
             "AND e.direction = 'inbound' AND (+e.channel IN ('email', 'sms') "
             "OR +e.channel = 'whatsapp') AND e.occurred_at > ?", [people[0], since]),
        ]
        for sql, params in statements:
            truth = await db.rows(sql.format("NOT INDEXED"), params)
            for index in ("events_person_timeline", "events_person_direction"):
                assert await db.rows(sql.format(f"INDEXED BY {index}"), params) == truth, sql
        # the waiting-since probe in AWAITING_SQL is written with +e.channel, as tested above
        assert "+e.channel IN" in AWAITING_SQL
    finally:
        await store.close()

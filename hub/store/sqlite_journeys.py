"""SQLite repositories for journeys, their versions and enrolments (one migration).

Enrolments are claimed like campaign deliveries: one `UPDATE … WHERE id IN (SELECT … LIMIT
n) RETURNING`, run under the file's write lock, so two processes never take the same one.
`save` is conditional on the lease owner. (journey_id, entry_key) is a unique index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import iso, utcnow
from hub.domain.journeys import (
    Enrolment,
    EnrolmentCounts,
    EnrolmentState,
    Journey,
    JourneyStatus,
    JourneyVersion,
)
from hub.errors import NotFound
from hub.store.sqlite_base import dump
from hub.store.sqlite_db import Database

V_JOURNEYS: tuple[str, ...] = (
    "CREATE TABLE journeys (id TEXT PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX journeys_status ON journeys (status, id)",
    """CREATE TABLE journey_versions (
        id TEXT PRIMARY KEY,
        journey_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX journey_versions_key ON journey_versions (journey_id, version)",
    """CREATE TABLE enrolments (
        id TEXT PRIMARY KEY,
        journey_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        state TEXT NOT NULL,
        step_id TEXT,
        due_at TEXT NOT NULL,
        lease_owner TEXT,
        lease_until TEXT,
        waiting INTEGER NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX enrolments_entry ON enrolments (journey_id, entry_key)",
    "CREATE INDEX enrolments_due ON enrolments (state, due_at)",
    "CREATE INDEX enrolments_person ON enrolments (person_id, id)",
    "CREATE INDEX enrolments_journey ON enrolments (journey_id, state, step_id)",
)


def _opt(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


class SqliteJourneys:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _load(rows: list[tuple[Any, ...]]) -> list[Journey]:
        return [Journey.model_validate_json(doc) for (doc,) in rows]

    async def insert(self, journey: Journey) -> None:
        await self._db.run("INSERT INTO journeys (id, status, doc) VALUES (?, ?, ?)",
                           (journey.id, journey.status, dump(journey)))

    async def get(self, journey_id: str) -> Journey | None:
        found = self._load(await self._db.rows("SELECT doc FROM journeys WHERE id = ?",
                                               (journey_id,)))
        return found[0] if found else None

    async def replace(self, journey: Journey) -> None:
        if not await self._db.run("UPDATE journeys SET status = ?, doc = ? WHERE id = ?",
                                  (journey.status, dump(journey), journey.id)):
            raise NotFound(f"no journey {journey.id}", details={"id": journey.id})

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Journey]:
        return self._load(await self._db.rows(
            "SELECT doc FROM journeys WHERE id > ? ORDER BY id LIMIT ?",
            (after_id or "", max(0, limit))))

    async def with_status(self, statuses: Sequence[JourneyStatus]) -> list[Journey]:
        if not statuses:
            return []
        marks = ", ".join("?" for _ in statuses)
        return self._load(await self._db.rows(
            f"SELECT doc FROM journeys WHERE status IN ({marks}) ORDER BY id", list(statuses)))

    async def add_version(self, version: JourneyVersion) -> None:
        await self._db.run(
            "INSERT INTO journey_versions (id, journey_id, version, doc) VALUES (?, ?, ?, ?)",
            (version.id, version.journey_id, version.version, dump(version)))

    async def get_version(self, journey_id: str, version: int) -> JourneyVersion | None:
        doc = await self._db.value(
            "SELECT doc FROM journey_versions WHERE journey_id = ? AND version = ?",
            (journey_id, version))
        return None if doc is None else JourneyVersion.model_validate_json(doc)


class SqliteEnrolments:
    COLUMNS = ("id, journey_id, person_id, entry_key, state, step_id, due_at, lease_owner, "
               "lease_until, waiting, doc")
    UPDATE_SQL = ("UPDATE enrolments SET person_id = ?, state = ?, step_id = ?, due_at = ?, "
                  "lease_owner = ?, lease_until = ?, waiting = ?, doc = ? WHERE id = ?")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert_sql = (f"INSERT INTO enrolments ({self.COLUMNS}) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")

    @staticmethod
    def _row(e: Enrolment) -> tuple[Any, ...]:
        return (e.id, e.journey_id, e.person_id, e.entry_key, e.state, e.step_id, iso(e.due_at),
                e.lease_owner, _opt(e.lease_until), int(e.waiting_since is not None), dump(e))

    @staticmethod
    def _load(rows: list[tuple[Any, ...]]) -> list[Enrolment]:
        return [Enrolment.model_validate_json(doc) for (doc,) in rows]

    async def enrol(self, enrolment: Enrolment) -> bool:
        return bool(await self._db.run(self._insert_sql, self._row(enrolment)))

    async def enrol_many(self, enrolments: Sequence[Enrolment]) -> int:
        if not enrolments:
            return 0
        async with self._db.transaction() as session:
            return await session.run_many(self._insert_sql, [self._row(e) for e in enrolments])

    async def get(self, enrolment_id: str) -> Enrolment | None:
        found = self._load(await self._db.rows("SELECT doc FROM enrolments WHERE id = ?",
                                               (enrolment_id,)))
        return found[0] if found else None

    async def latest_for(self, journey_id: str, person_id: str) -> Enrolment | None:
        found = self._load(await self._db.rows(
            "SELECT doc FROM enrolments WHERE person_id = ? AND journey_id = ? "
            "ORDER BY id DESC LIMIT 1", (person_id, journey_id)))
        return found[0] if found else None

    async def for_person(self, person_id: str, *, limit: int) -> list[Enrolment]:
        return self._load(await self._db.rows(
            "SELECT doc FROM enrolments WHERE person_id = ? ORDER BY id DESC LIMIT ?",
            (person_id, max(0, limit))))

    async def for_journey(self, journey_id: str, *, states: Sequence[EnrolmentState] = (),
                          limit: int = 50, after_id: str | None = None) -> list[Enrolment]:
        where = ["journey_id = ?", "id > ?"]
        params: list[Any] = [journey_id, after_id or ""]
        if states:
            where.append(f"state IN ({', '.join('?' for _ in states)})")
            params += list(states)
        return self._load(await self._db.rows(
            f"SELECT doc FROM enrolments WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            [*params, max(0, limit)]))

    async def claim_due(self, journey_ids: Sequence[str], *, owner: str, now: datetime,
                        until: datetime, limit: int) -> list[Enrolment]:
        if not journey_ids or limit < 1:
            return []
        marks = ", ".join("?" for _ in journey_ids)
        now_text, until_text = iso(now), iso(until)
        sql = (
            "UPDATE enrolments SET lease_owner = ?, lease_until = ?, "
            "doc = json_set(doc, '$.lease_owner', ?, '$.lease_until', ?) "
            "WHERE id IN (SELECT id FROM enrolments WHERE state IN ('active', 'sending') "
            "AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) "
            f"AND journey_id IN ({marks}) ORDER BY due_at, id LIMIT ?) RETURNING doc")
        rows = await self._db.rows(sql, [owner, until_text, owner, until_text, now_text,
                                         now_text, *journey_ids, limit])
        return sorted(self._load(rows), key=lambda e: (e.due_at, e.id))

    async def save(self, enrolment: Enrolment, *, owner: str | None) -> bool:
        row = self._row(enrolment.model_copy(update={"updated_at": utcnow()}))
        params: list[Any] = [row[2], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
                             enrolment.id]
        sql = self.UPDATE_SQL
        if owner is not None:
            sql += " AND lease_owner = ?"
            params.append(owner)
        return bool(await self._db.run(sql, params))

    async def wake(self, person_id: str, now: datetime) -> int:
        now_text = iso(now)
        return await self._db.run(
            "UPDATE enrolments SET due_at = ?, doc = json_set(doc, '$.due_at', ?) "
            "WHERE person_id = ? AND state = 'active' AND waiting = 1 AND due_at > ? "
            "AND (lease_until IS NULL OR lease_until <= ?)",
            (now_text, now_text, person_id, now_text, now_text))

    async def exit_open(self, journey_id: str, *, reason: str, now: datetime) -> int:
        now_text = iso(now)
        return await self._db.run(
            "UPDATE enrolments SET state = 'exited', lease_owner = NULL, lease_until = NULL, "
            "waiting = 0, doc = json_set(doc, '$.state', 'exited', '$.exit_reason', ?, "
            "'$.finished_at', ?, '$.updated_at', ?, '$.lease_owner', NULL, "
            "'$.lease_until', NULL, '$.waiting_since', NULL, '$.wait_until', NULL) "
            "WHERE journey_id = ? AND state = 'active'",
            (reason, now_text, now_text, journey_id))

    async def migrate(self, journey_id: str, *, version: int, step_ids: Sequence[str],
                      now: datetime) -> int:
        if not step_ids:
            return 0
        marks = ", ".join("?" for _ in step_ids)
        now_text = iso(now)
        return await self._db.run(
            "UPDATE enrolments SET lease_owner = NULL, lease_until = NULL, "
            "doc = json_set(doc, '$.version', ?, '$.updated_at', ?, '$.lease_owner', NULL, "
            "'$.lease_until', NULL) "
            "WHERE journey_id = ? AND state = 'active' AND json_extract(doc, '$.version') < ? "
            "AND (lease_until IS NULL OR lease_until <= ?) "
            f"AND step_id IN ({marks})",
            (version, now_text, journey_id, version, now_text, *step_ids))

    async def count_open_before(self, journey_id: str, version: int) -> int:
        return int(await self._db.value(
            "SELECT count(*) FROM enrolments WHERE journey_id = ? "
            "AND state IN ('active', 'sending') AND json_extract(doc, '$.version') < ?",
            (journey_id, version)) or 0)

    async def counts(self, journey_id: str) -> EnrolmentCounts:
        rows = await self._db.rows(
            "SELECT state, step_id, count(*) FROM enrolments WHERE journey_id = ? "
            "GROUP BY state, step_id", (journey_id,))
        counts = EnrolmentCounts()
        for state, step_id, n in rows:
            counts.by_state[state] = counts.by_state.get(state, 0) + int(n)
            if state in ("active", "sending") and step_id:
                counts.by_step[step_id] = counts.by_step.get(step_id, 0) + int(n)
        return counts

"""SQLite repositories for segments, templates, campaigns and deliveries (migration 3).

Deliveries are leased with one conditional `UPDATE … WHERE id IN (SELECT … LIMIT n)
RETURNING`: SQLite runs the statement under the file's write lock, so two processes on one
file never take the same delivery.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from hub.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryCounts,
    MessageTemplate,
    Segment,
)
from hub.domain.common import iso, utcnow
from hub.domain.events import Event, StatusChange
from hub.domain.journeys import AbDecision
from hub.domain.webhooks import OutboxEvent
from hub.ports import SendEnd, SendStart
from hub.store.sqlite_base import DocTable, dump
from hub.store.sqlite_db import Database, translated_errors
from hub.store.sqlite_events import SqliteEvents
from hub.store.sqlite_flagged import FALLBACK_CONDITION, OPTED_OUT_CONDITION
from hub.store.sqlite_reader import Reader
from hub.store.sqlite_webhooks import OUTBOX_INSERT, outbox_row

V3_CAMPAIGNS: tuple[str, ...] = (
    "CREATE TABLE segments (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE templates (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE campaigns (id TEXT PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX campaigns_status ON campaigns (status, id)",
    """CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        status TEXT NOT NULL,
        lease_owner TEXT,
        lease_until TEXT,
        not_before TEXT,
        household_key TEXT,
        doc TEXT NOT NULL
    )""",
    """CREATE UNIQUE INDEX deliveries_campaign_household ON deliveries (campaign_id, household_key)
        WHERE household_key IS NOT NULL""",
    "CREATE UNIQUE INDEX deliveries_campaign_person ON deliveries (campaign_id, person_id)",
    "CREATE INDEX deliveries_campaign_status ON deliveries (campaign_id, status, id)",
    # replies and opt-outs per campaign: a virtual column over the event document
    """ALTER TABLE events ADD COLUMN campaign_id TEXT
        GENERATED ALWAYS AS (json_extract(doc, '$.campaign_id')) VIRTUAL""",
    """CREATE INDEX events_campaign ON events (campaign_id, direction, channel, person_id)
        WHERE campaign_id IS NOT NULL""",
)


class SqliteSegments(DocTable[Segment]):
    table = "segments"
    model = Segment

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Segment]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteTemplates(DocTable[MessageTemplate]):
    table = "templates"
    model = MessageTemplate

    async def find(
        self, *, limit: int = 50, after_id: str | None = None
    ) -> list[MessageTemplate]:
        return await self._select(limit=limit, after_id=after_id)


STATUS_SQL = "SELECT status FROM campaigns WHERE id = ?"


class SqliteCampaigns(DocTable[Campaign]):
    table = "campaigns"
    model = Campaign
    columns = ("status",)

    def __init__(self, db: Database, reader: Reader | None = None) -> None:
        super().__init__(db)
        self._reader = reader

    def indexed(self, record: Campaign) -> tuple[Any, ...]:
        return (record.status,)

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Campaign]:
        return await self._select(limit=limit, after_id=after_id)

    async def with_status(self, statuses: Sequence[CampaignStatus]) -> list[Campaign]:
        marks = ", ".join("?" for _ in statuses)
        return await self._select([f"status IN ({marks})"], list(statuses))

    async def status_of(self, campaign_id: str) -> CampaignStatus | None:
        """The stored status, read when called, through the store's reader when it has one
        (WAL: the last commit, never waiting for a writer). The dispatch worker reads it
        before every hand-over; on the store's one connection that read queued behind the
        worker's own chunk writes (milliseconds each)."""
        if self._reader is not None:
            rows = await self._reader.rows(STATUS_SQL, (campaign_id,))
            status = rows[0][0] if rows else None
        else:
            status = await self._db.value(STATUS_SQL, (campaign_id,))
        return None if status is None else cast(CampaignStatus, status)

    async def set_status(
        self, campaign_id: str, status: CampaignStatus, *, expected: Sequence[CampaignStatus],
        fields: Mapping[str, Any] | None = None,
    ) -> Campaign | None:
        async with self._db.transaction() as session:
            doc = await session.value("SELECT doc FROM campaigns WHERE id = ?", (campaign_id,))
            if doc is None:
                return None
            campaign = self._load(doc)
            if campaign.status not in expected:
                return None
            updated = Campaign.model_validate({**campaign.to_doc(), **(fields or {}),
                                               "status": status, "updated_at": utcnow()})
            await session.run("UPDATE campaigns SET status = ?, doc = ? WHERE id = ?",
                              (status, dump(updated), campaign_id))
            return updated

    async def record_ab_decision(self, campaign_id: str,
                                 decision: AbDecision) -> AbDecision | None:
        async with self._db.transaction() as session:
            doc = await session.value("SELECT doc FROM campaigns WHERE id = ?", (campaign_id,))
            if doc is None:
                return None
            campaign = self._load(doc)
            if campaign.ab_decision is not None:
                return campaign.ab_decision
            await session.run("UPDATE campaigns SET doc = ? WHERE id = ?",
                              (dump(campaign.model_copy(update={"ab_decision": decision})),
                               campaign_id))
            return decision


def _opt(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


class SqliteDeliveries:
    COLUMNS = ("id, campaign_id, person_id, status, lease_owner, lease_until, not_before, "
               "household_key, doc")

    UPDATE_SQL = ("UPDATE deliveries SET status = ?, lease_owner = ?, lease_until = ?, "
                  "not_before = ?, doc = ? WHERE id = ?")
    OWNED = " AND lease_owner = ?"
    STILL_LEASED = " AND status = 'leased'"
    SENT_SQL = ("UPDATE events SET external_id = ?, doc = json_set("
                "json_insert(doc, '$.status_history[#]', json(?)), '$.status', ?, "
                "'$.external_id', ?) WHERE id = ?")
    STATUS_SQL = ("UPDATE events SET doc = json_set("
                  "json_insert(doc, '$.status_history[#]', json(?)), '$.status', ?) WHERE id = ?")

    def __init__(self, db: Database, events: SqliteEvents) -> None:
        self._db = db
        self._events = events

    def _update_params(self, delivery: Delivery) -> list[Any]:
        row = self._row(delivery.model_copy(update={"updated_at": utcnow()}))
        return [row[3], row[4], row[5], row[6], row[8], delivery.id]

    @staticmethod
    def _row(d: Delivery) -> tuple[Any, ...]:
        return (d.id, d.campaign_id, d.person_id, d.status, d.lease_owner, _opt(d.lease_until),
                _opt(d.not_before), d.household_key, dump(d))

    @staticmethod
    def _load(rows: list[tuple[Any, ...]]) -> list[Delivery]:
        found = [Delivery.model_validate_json(doc) for (doc,) in rows]
        return sorted(found, key=lambda d: d.id)

    async def insert_many(self, deliveries: Sequence[Delivery]) -> int:
        sql = (f"INSERT INTO deliveries ({self.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT DO NOTHING")
        if not deliveries:
            return 0
        async with self._db.transaction() as session:
            return await session.run_many(sql, [self._row(d) for d in deliveries])

    async def get(self, delivery_id: str) -> Delivery | None:
        rows = await self._db.rows("SELECT doc FROM deliveries WHERE id = ?", (delivery_id,))
        return self._load(rows)[0] if rows else None

    async def for_person(self, campaign_id: str, person_id: str) -> Delivery | None:
        rows = await self._db.rows(
            "SELECT doc FROM deliveries WHERE campaign_id = ? AND person_id = ?",
            (campaign_id, person_id))
        return self._load(rows)[0] if rows else None

    async def _take(self, campaign_id: str, branches: Sequence[tuple[str, list[Any]]],
                    status: str, owner: str, until: datetime, limit: int) -> list[Delivery]:
        """The first `limit` deliveries in id order of the campaign's that meet any branch's
        condition (`status = …` first, so each branch walks deliveries_campaign_status in id
        order and stops after `limit`: an OR of the branches made SQLite read and sort every
        delivery of the campaign per lease, a cost that grew with the audience)."""
        parts = " UNION ALL ".join(
            "SELECT id FROM (SELECT id FROM deliveries WHERE campaign_id = ? AND "
            f"{condition} ORDER BY id LIMIT ?)" for condition, _ in branches)
        sql = (
            "UPDATE deliveries SET status = ?, lease_owner = ?, lease_until = ?, "
            "doc = json_set(doc, '$.status', ?, '$.lease_owner', ?, '$.lease_until', ?) "
            f"WHERE id IN ({parts} ORDER BY id LIMIT ?) RETURNING doc"
        )
        until_text = iso(until)
        limit = max(0, limit)
        values: list[Any] = [status, owner, until_text, status, owner, until_text]
        for _, params in branches:
            values += [campaign_id, *params, limit]
        return self._load(await self._db.rows(sql, [*values, limit]))

    async def lease(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        now_text = iso(now)
        return await self._take(campaign_id, [
            ("status = 'queued' AND (not_before IS NULL OR not_before <= ?)", [now_text]),
            ("status = 'leased' AND lease_until <= ?", [now_text])], "leased", owner, until,
            limit)

    async def stale_sending(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        return await self._take(campaign_id, [("status = 'sending' AND lease_until <= ?",
                                               [iso(now)])], "sending", owner, until, limit)

    async def update(self, delivery: Delivery, *, owner: str | None) -> bool:
        sql, params = self.UPDATE_SQL, self._update_params(delivery)
        if owner is not None:
            sql += self.OWNED
            params.append(owner)
        return bool(await self._db.run(sql, params))

    async def start_send(self, delivery: Delivery, event: Event, *, owner: str,
                         outbox: Sequence[OutboxEvent] = ()) -> bool:
        """One transaction: the delivery, its event and the event's outbox rows (one hop to
        the connection's thread per send)."""
        [started] = await self.start_send_many([SendStart(delivery, event, outbox)],
                                               owner=owner)
        return started

    async def start_send_many(self, starts: Sequence[SendStart], *, owner: str) -> list[bool]:
        """One transaction (one commit, one hop to the connection's thread) for a chunk of
        sends; the rows are built here, before the hop."""
        work = self._starting(starts, owner)
        return await self._db.atomically(work) if starts else []

    def _starting(self, starts: Sequence[SendStart], owner: str
                  ) -> Callable[[sqlite3.Connection], list[bool]]:
        rows = [([*self._update_params(s.delivery), owner], self._events._row(s.event),
                 [outbox_row(o) for o in s.outbox]) for s in starts]
        insert_event = self._events._insert_sql
        claim = self.UPDATE_SQL + self.OWNED + self.STILL_LEASED

        def work(conn: sqlite3.Connection) -> list[bool]:
            started: list[bool] = []
            events: list[tuple[Any, ...]] = []
            outboxes: list[tuple[Any, ...]] = []
            for params, event_row, outbox_rows in rows:
                claimed = bool(conn.execute(claim, params).rowcount)
                started.append(claimed)
                if claimed:  # a lost lease writes nothing
                    events.append(event_row)
                    outboxes.extend(outbox_rows)
            if events:
                conn.executemany(insert_event, events)
            if outboxes:
                conn.executemany(OUTBOX_INSERT, outboxes)
            return started

        return work

    async def finish_send(self, delivery: Delivery, *, owner: str, provider_id: str | None,
                          change: StatusChange, outbox: Sequence[OutboxEvent] = ()) -> bool:
        """One transaction: the event's status, the delivery and the status's outbox rows
        (one hop to the connection's thread per send's end)."""
        [finished] = await self.finish_send_many(
            [SendEnd(delivery, provider_id, change, outbox)], owner=owner)
        return finished

    async def finish_send_many(self, ends: Sequence[SendEnd], *, owner: str) -> list[bool]:
        """One transaction for a chunk of sends' ends."""
        work = self._finishing(ends, owner)
        return await self._db.atomically(work) if ends else []

    async def record_sends(self, ends: Sequence[SendEnd], starts: Sequence[SendStart], *,
                           owner: str) -> tuple[list[bool], list[bool]]:
        """The ends, then the starts, in one transaction (one commit instead of two). The
        starts run in a savepoint of their own: when they fail, the ends are kept (those
        messages were sent) and the starts' error is raised after the commit."""
        if not ends or not starts:
            return (await self.finish_send_many(ends, owner=owner),
                    await self.start_send_many(starts, owner=owner))
        finish, start = self._finishing(ends, owner), self._starting(starts, owner)

        def work(conn: sqlite3.Connection) -> tuple[list[bool], list[bool] | Exception]:
            finished = finish(conn)
            conn.execute("SAVEPOINT starts")
            try:
                started: list[bool] | Exception = start(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO starts")
                started = exc
            conn.execute("RELEASE starts")
            return finished, started

        finished, started = await self._db.atomically(work)
        if isinstance(started, Exception):
            with translated_errors():
                raise started
        return finished, started

    def _finishing(self, ends: Sequence[SendEnd], owner: str
                   ) -> Callable[[sqlite3.Connection], list[bool]]:
        rows = [([*self._update_params(e.delivery), owner], e.delivery.event_id, e.provider_id,
                 e.change.status, e.change.model_dump_json(by_alias=True),
                 [outbox_row(o) for o in e.outbox]) for e in ends]
        update = self.UPDATE_SQL + self.OWNED

        def work(conn: sqlite3.Connection) -> list[bool]:
            finished: list[bool] = []
            outboxes: list[tuple[Any, ...]] = []
            for params, event_id, provider_id, status, history, outbox_rows in rows:
                if event_id is not None:
                    recorded = False
                    if provider_id:
                        # a provider id another event holds (UNIQUE (channel, external_id))
                        # fails this statement only; the event then keeps no external id
                        with contextlib.suppress(sqlite3.IntegrityError):
                            recorded = bool(conn.execute(self.SENT_SQL, (
                                provider_id, history, status, provider_id, event_id)
                            ).rowcount)
                    if not recorded:
                        conn.execute(self.STATUS_SQL, (history, status, event_id))
                outboxes.extend(outbox_rows)
                finished.append(bool(conn.execute(update, params).rowcount))
            if outboxes:
                conn.executemany(OUTBOX_INSERT, outboxes)
            return finished

        return work

    async def counts(self, campaign_id: str) -> DeliveryCounts:
        rows = await self._db.rows(
            "SELECT status, count(*) FROM deliveries WHERE campaign_id = ? GROUP BY status",
            (campaign_id,))
        opted = await self._db.value(
            f"SELECT count(*) FROM deliveries WHERE campaign_id = ? AND {OPTED_OUT_CONDITION}",
            (campaign_id,))
        fallbacks = await self._db.value(
            f"SELECT count(*) FROM deliveries WHERE campaign_id = ? AND {FALLBACK_CONDITION}",
            (campaign_id,))
        return DeliveryCounts(by_status={status: int(n) for status, n in rows},
                              opted_out=int(opted or 0), language_fallbacks=int(fallbacks or 0))

    async def with_status(
        self, campaign_id: str, statuses: Sequence[str], *, limit: int
    ) -> list[Delivery]:
        if not statuses:
            return []
        marks = ", ".join("?" * len(statuses))
        rows = await self._db.rows(
            f"SELECT doc FROM deliveries WHERE campaign_id = ? AND status IN ({marks}) "
            "ORDER BY id LIMIT ?", (campaign_id, *statuses, max(0, limit)))
        return self._load(rows)

    async def cancel_open(self, campaign_id: str, reason: str) -> int:
        return await self._db.run(
            "UPDATE deliveries SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, "
            "doc = json_set(doc, '$.status', 'cancelled', '$.lease_owner', NULL, "
            "'$.lease_until', NULL, '$.reason', ?) "
            "WHERE campaign_id = ? AND status IN ('queued', 'leased')", (reason, campaign_id))

    async def mark_opted_out(self, campaign_id: str, person_id: str, at: datetime) -> bool:
        changed = await self._db.run(
            "UPDATE deliveries SET doc = json_set(doc, '$.opted_out_at', ?) "
            "WHERE campaign_id = ? AND person_id = ? "
            "AND json_extract(doc, '$.opted_out_at') IS NULL",
            (iso(at), campaign_id, person_id))
        return bool(changed)


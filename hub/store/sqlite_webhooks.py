"""SQLite repository for outgoing webhooks: subscriptions, the outbox of emitted events, and
deliveries leased with one `UPDATE … RETURNING` (the single connection's write lock makes it
atomic), unique on (subscription_id, event_id).

A delivery is a row of columns (state, lease, the outcome of its last attempt) and its
event's payload is stored once, in `webhook_payloads`, for all its subscriptions: a lease
and a finish write a small row and never touch a JSON document. Likewise the outbox's
`fanned` column is what says an event was fanned out (only unfanned rows are read back)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.webhooks import (
    DeliveryOutcome,
    LeasedDelivery,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.errors import NotFound
from hub.store.sqlite_base import dump
from hub.store.sqlite_db import Database

V_WEBHOOKS: tuple[str, ...] = (
    "CREATE TABLE webhook_subscriptions (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE webhook_outbox (id TEXT PRIMARY KEY, fanned INTEGER NOT NULL, "
    "occurred_at TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX webhook_outbox_unfanned ON webhook_outbox (fanned, occurred_at)",
    "CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, "
    "event_id TEXT NOT NULL, state TEXT NOT NULL, occurred_at TEXT NOT NULL, "
    "next_attempt_at TEXT NOT NULL, lease_owner TEXT, lease_until TEXT, doc TEXT NOT NULL)",
    "CREATE UNIQUE INDEX webhook_deliveries_event "
    "ON webhook_deliveries (subscription_id, event_id)",
    "CREATE INDEX webhook_deliveries_due "
    "ON webhook_deliveries (subscription_id, state, occurred_at)",
)

V_WEBHOOK_OUTCOMES: tuple[str, ...] = (
    # one payload per event (its deliveries to every subscription share it, erasure blanks
    # it once), so a delivery's row is small: a lease or a finish rewrites ~100 bytes, not
    # the payload; its state, lease and last outcome are columns
    "CREATE TABLE webhook_payloads (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, "
    "erased INTEGER NOT NULL, person_ids TEXT NOT NULL, data TEXT NOT NULL)",
    "INSERT INTO webhook_payloads (event_id, type, erased, person_ids, data) "
    "SELECT event_id, json_extract(doc, '$.type'), COALESCE(json_extract(doc, '$.erased'), 0), "
    "COALESCE(json_extract(doc, '$.person_ids'), '[]'), "
    "COALESCE(json_extract(doc, '$.data'), '{}') FROM webhook_deliveries WHERE true "
    "ON CONFLICT DO NOTHING",
    "CREATE TABLE webhook_deliveries_new (id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, "
    "event_id TEXT NOT NULL, state TEXT NOT NULL, occurred_at TEXT NOT NULL, "
    "next_attempt_at TEXT NOT NULL, lease_owner TEXT, lease_until TEXT, "
    "attempts INTEGER NOT NULL, response_status INTEGER, error TEXT, latency_ms REAL, "
    "delivered_at TEXT, created_at TEXT NOT NULL)",
    "INSERT INTO webhook_deliveries_new SELECT id, subscription_id, event_id, state, "
    "occurred_at, next_attempt_at, lease_owner, lease_until, "
    "COALESCE(json_extract(doc, '$.attempts'), 0), json_extract(doc, '$.response_status'), "
    "json_extract(doc, '$.error'), json_extract(doc, '$.latency_ms'), "
    "json_extract(doc, '$.delivered_at'), COALESCE(json_extract(doc, '$.created_at'), "
    "occurred_at) FROM webhook_deliveries",
    "DROP TABLE webhook_deliveries",
    "ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries",
    "CREATE UNIQUE INDEX webhook_deliveries_event "
    "ON webhook_deliveries (subscription_id, event_id)",
    # the lease reads open deliveries in event order from this index alone (the index on
    # (subscription, state, occurred_at) had each lease read every delivery the subscription
    # ever had, then sort the open ones)
    "CREATE INDEX webhook_deliveries_open ON webhook_deliveries "
    "(subscription_id, occurred_at, id) WHERE state IN ('pending', 'delivering')",
)
"""Deliveries as columns, their payloads one per event in `webhook_payloads`."""

OUTBOX_INSERT = ("INSERT INTO webhook_outbox (id, fanned, occurred_at, doc) VALUES (?, 0, ?, ?) "
                 "ON CONFLICT DO NOTHING")


def outbox_row(event: OutboxEvent) -> tuple[str, str, str]:
    return (event.id, iso(event.occurred_at), dump(event))


ABOUT_PERSON = "EXISTS (SELECT 1 FROM json_each(doc, '$.person_ids') WHERE value = ?)"
PAYLOAD_ABOUT = ("SELECT event_id FROM webhook_payloads "
                 "WHERE EXISTS (SELECT 1 FROM json_each(person_ids) WHERE value = ?)")
STATE_COLUMNS = ("state", "next_attempt_at", "lease_owner", "lease_until", "attempts",
                 "response_status", "error", "latency_ms", "delivered_at")
SELECT_DELIVERY = (
    "SELECT d.id, d.subscription_id, d.event_id, d.occurred_at, d.created_at, p.type, p.data, "
    f"p.person_ids, p.erased, {', '.join('d.' + c for c in STATE_COLUMNS)} "
    "FROM webhook_deliveries d LEFT JOIN webhook_payloads p ON p.event_id = d.event_id")
INSERT_DELIVERY = (
    "INSERT INTO webhook_deliveries (id, subscription_id, event_id, state, occurred_at, "
    "next_attempt_at, lease_owner, lease_until, attempts, response_status, error, latency_ms, "
    "delivered_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING")
INSERT_PAYLOAD = ("INSERT INTO webhook_payloads (event_id, type, erased, person_ids, data) "
                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
PAYLOAD_FROM_OUTBOX = (
    "INSERT INTO webhook_payloads (event_id, type, erased, person_ids, data) SELECT id, "
    "json_extract(doc, '$.type'), 0, json_extract(doc, '$.person_ids'), "
    "json_extract(doc, '$.data') FROM webhook_outbox WHERE id = ? ON CONFLICT DO NOTHING")
FAN_OUT = ("INSERT INTO webhook_deliveries (id, subscription_id, event_id, state, occurred_at, "
           "next_attempt_at, attempts, created_at) VALUES (?, ?, ?, 'pending', ?, ?, 0, ?) "
           "ON CONFLICT DO NOTHING")
OF_PAYLOAD = "FROM webhook_payloads p WHERE p.event_id = webhook_deliveries.event_id"
FINISH = ("UPDATE webhook_deliveries SET state = ?, attempts = ?, "
          "next_attempt_at = COALESCE(?, next_attempt_at), "
          "response_status = ?, error = ?, latency_ms = ?, delivered_at = ?, lease_owner = NULL, "
          "lease_until = NULL WHERE id = ? AND lease_owner = ? AND state = 'delivering'")
MARK_CHUNK = 500  # ids bound in one UPDATE, well under SQLite's limit on variables
PRUNE_SCAN = 2000  # deliveries looked at per write, so pruning never holds the lock for long
WINDOW_END = ("SELECT max(rowid) FROM (SELECT rowid FROM webhook_deliveries WHERE rowid > ? "
              "ORDER BY rowid LIMIT ?)")
PRUNE_WINDOW = (
    "DELETE FROM webhook_deliveries WHERE rowid > ? AND rowid <= ? "
    "AND state IN ('delivered', 'failed', 'cancelled') AND next_attempt_at < ? "
    "AND COALESCE(delivered_at, '') < ? RETURNING event_id")
NEXT_SUBSCRIPTION = ("SELECT subscription_id FROM webhook_deliveries WHERE subscription_id > ? "
                     "ORDER BY subscription_id LIMIT 1")
PRUNE_PAYLOAD = (  # seeks the (subscription_id, event_id) index once per subscription
    "DELETE FROM webhook_payloads WHERE event_id = ? AND NOT EXISTS (SELECT 1 FROM "
    "webhook_deliveries WHERE subscription_id IN (SELECT value FROM json_each(?)) "
    "AND event_id = ?)")
RELEASE = ("UPDATE webhook_deliveries SET state = 'pending', lease_owner = NULL, "
           "lease_until = NULL WHERE id = ? AND lease_owner = ? AND state = 'delivering'")


def _maybe_iso(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _deliveries(rows: list[tuple[Any, ...]]) -> list[WebhookDelivery]:
    """Full records (the log): the delivery's columns and its event's payload."""
    found = []
    for id_, subscription_id, event_id, occurred_at, created_at, type_, data, person_ids, \
            erased, *state in rows:
        fields = dict(zip(STATE_COLUMNS, state, strict=True))
        fields.update(id=id_, subscription_id=subscription_id, event_id=event_id,
                      occurred_at=occurred_at, created_at=created_at, type=type_ or "",
                      data=json.loads(data or "{}"), person_ids=json.loads(person_ids or "[]"),
                      erased=bool(erased))
        found.append(WebhookDelivery.model_validate(fields))
    return found


def _mark_fanned(conn: sqlite3.Connection, event_ids: Sequence[str]) -> None:
    """One UPDATE per `MARK_CHUNK` ids (a fan-out's batch is one), not one per row."""
    for start in range(0, len(event_ids), MARK_CHUNK):
        chunk = event_ids[start:start + MARK_CHUNK]
        conn.execute("UPDATE webhook_outbox SET fanned = 1 WHERE id IN "
                     f"({', '.join('?' * len(chunk))})", chunk).close()


class SqliteWebhooks:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- subscriptions ---------------------------------------------------------------------

    async def add_subscription(self, subscription: WebhookSubscription) -> None:
        await self._db.run("INSERT INTO webhook_subscriptions (id, doc) VALUES (?, ?)",
                           (subscription.id, dump(subscription)))

    async def get_subscription(self, subscription_id: str) -> WebhookSubscription | None:
        doc = await self._db.value("SELECT doc FROM webhook_subscriptions WHERE id = ?",
                                   (subscription_id,))
        return None if doc is None else WebhookSubscription.model_validate_json(doc)

    async def subscriptions(self) -> list[WebhookSubscription]:
        rows = await self._db.rows("SELECT doc FROM webhook_subscriptions ORDER BY id")
        return [WebhookSubscription.model_validate_json(doc) for (doc,) in rows]

    async def replace_subscription(self, subscription: WebhookSubscription) -> None:
        if not await self._db.run("UPDATE webhook_subscriptions SET doc = ? WHERE id = ?",
                                  (dump(subscription), subscription.id)):
            raise NotFound(f"no webhook subscription {subscription.id}",
                           details={"id": subscription.id})

    async def delete_subscription(self, subscription_id: str) -> bool:
        await self.cancel_open(subscription_id, "the subscription was deleted")
        return bool(await self._db.run("DELETE FROM webhook_subscriptions WHERE id = ?",
                                       (subscription_id,)))

    # --- the outbox ------------------------------------------------------------------------

    async def emit(self, event: OutboxEvent) -> None:
        await self._db.run(OUTBOX_INSERT, outbox_row(event))

    async def emit_many(self, events: Sequence[OutboxEvent]) -> int:
        if not events:
            return 0
        async with self._db.transaction() as session:
            return await session.run_many(OUTBOX_INSERT, [outbox_row(e) for e in events])

    async def unfanned(self, *, limit: int) -> list[OutboxEvent]:
        rows = await self._db.rows(
            "SELECT doc FROM webhook_outbox WHERE fanned = 0 ORDER BY occurred_at, id LIMIT ?",
            (max(0, limit),))
        return [OutboxEvent.model_validate_json(doc) for (doc,) in rows]

    async def unfanned_ids(self, *, limit: int) -> list[str]:
        rows = await self._db.rows(
            "SELECT id FROM webhook_outbox WHERE fanned = 0 ORDER BY occurred_at, id LIMIT ?",
            (max(0, limit),))
        return [event_id for (event_id,) in rows]

    async def mark_fanned(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self._db.atomically(lambda conn: _mark_fanned(conn, event_ids))

    async def prune_outbox(self, *, before: datetime) -> int:
        return await self._db.run(
            "DELETE FROM webhook_outbox WHERE fanned = 1 AND occurred_at < ?", (iso(before),))

    async def prune_deliveries(self, *, before: datetime) -> int:
        """The table is walked in rowid windows of `PRUNE_SCAN`, each window one short write
        (no index on the finished ones: it would cost every delivery's finish, for a walk
        every `PRUNE_EVERY_S`); an event's payload goes with its last delivery."""
        before_text = iso(before)
        subscriptions: list[str] = []  # every subscription with deliveries, deleted ones too
        while (found := await self._db.value(NEXT_SUBSCRIPTION, (
                subscriptions[-1] if subscriptions else "",))) is not None:
            subscriptions.append(found)
        among = _json(subscriptions)
        start, pruned = 0, 0

        def window(conn: sqlite3.Connection) -> tuple[int | None, int]:
            (end,) = conn.execute(WINDOW_END, (start, PRUNE_SCAN)).fetchone()
            if end is None:
                return None, 0
            gone = [event_id for (event_id,) in conn.execute(
                PRUNE_WINDOW, (start, end, before_text, before_text)).fetchall()]
            conn.executemany(PRUNE_PAYLOAD, [(e, among, e) for e in set(gone)])
            return end, len(gone)

        while True:
            end, deleted = await self._db.atomically(window)
            if end is None:
                return pruned
            start, pruned = end, pruned + deleted

    # --- deliveries ------------------------------------------------------------------------

    async def fan_out(self, deliveries: Sequence[tuple[str, str, OutboxEvent]], *,
                      fanned: Sequence[str], now: datetime) -> int:
        """An event's payload is copied from its stored outbox row by SQLite, once for all
        its subscriptions."""
        now_text = iso(now)
        payloads = list({(event.id,) for _, _, event in deliveries})
        rows = [(delivery_id, subscription_id, event.id, iso(event.occurred_at), now_text,
                 now_text) for delivery_id, subscription_id, event in deliveries]
        marks = list(fanned)

        def work(conn: sqlite3.Connection) -> int:
            if payloads:
                conn.executemany(PAYLOAD_FROM_OUTBOX, payloads)
            added = conn.executemany(FAN_OUT, rows).rowcount if rows else 0
            _mark_fanned(conn, marks)
            return added

        return await self._db.atomically(work)

    async def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        if not deliveries:
            return 0
        payloads = [(d.event_id, d.type, int(d.erased), _json(d.person_ids), _json(d.data))
                    for d in deliveries]
        rows = [(d.id, d.subscription_id, d.event_id, d.state, iso(d.occurred_at),
                 iso(d.next_attempt_at), d.lease_owner, _maybe_iso(d.lease_until), d.attempts,
                 d.response_status, d.error, d.latency_ms, _maybe_iso(d.delivered_at),
                 iso(d.created_at)) for d in deliveries]

        def work(conn: sqlite3.Connection) -> int:
            conn.executemany(INSERT_PAYLOAD, payloads)
            return conn.executemany(INSERT_DELIVERY, rows).rowcount

        return await self._db.atomically(work)

    async def lease(self, subscription_id: str, *, owner: str, now: datetime,
                    until: datetime, limit: int) -> list[LeasedDelivery]:
        now_text = iso(now)
        rows = await self._db.rows(
            "UPDATE webhook_deliveries SET state = 'delivering', lease_owner = ?, "
            "lease_until = ? WHERE id IN (SELECT id FROM webhook_deliveries "
            "WHERE subscription_id = ? AND state IN ('pending', 'delivering') "
            "AND ((state = 'pending' AND next_attempt_at <= ?) "
            "OR (state = 'delivering' AND lease_until <= ?)) ORDER BY occurred_at, id LIMIT ?) "
            f"RETURNING occurred_at, id, event_id, (SELECT p.type {OF_PAYLOAD}), "
            f"(SELECT p.data {OF_PAYLOAD}), attempts",
            (owner, iso(until), subscription_id, now_text, now_text, max(0, limit)))
        rows.sort()  # fixed-width times sort as text: event order, then id
        return [LeasedDelivery(id=id_, event_id=event_id, type=type_ or "",
                               occurred_at=datetime.fromisoformat(occurred_at),
                               data=data or "{}", attempts=attempts)
                for occurred_at, id_, event_id, type_, data, attempts in rows]

    async def finish_many(self, outcomes: Sequence[DeliveryOutcome], *, owner: str,
                          release: Sequence[str] = ()) -> int:
        """Plain column writes in one transaction (the payload is not touched)."""
        if not outcomes and not release:
            return 0
        finished = [(o.state, o.attempts, _maybe_iso(o.next_attempt_at), o.response_status,
                     o.error, o.latency_ms, _maybe_iso(o.delivered_at), o.id, owner)
                    for o in outcomes]
        released = [(delivery_id, owner) for delivery_id in release]

        def work(conn: sqlite3.Connection) -> int:
            held = conn.executemany(FINISH, finished).rowcount if finished else 0
            return held + (conn.executemany(RELEASE, released).rowcount if released else 0)

        return await self._db.atomically(work)

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        rows = await self._db.rows(f"{SELECT_DELIVERY} WHERE d.id = ?", (delivery_id,))
        return _deliveries(rows)[0] if rows else None

    async def deliveries(self, subscription_id: str, *, limit: int,
                         before: datetime | None = None) -> list[WebhookDelivery]:
        sql = f"{SELECT_DELIVERY} WHERE d.subscription_id = ?"
        params: list[Any] = [subscription_id]
        if before is not None:
            sql += " AND d.occurred_at < ?"
            params.append(iso(before))
        sql += " ORDER BY d.occurred_at DESC, d.id DESC LIMIT ?"
        params.append(max(0, limit))
        return _deliveries(await self._db.rows(sql, params))

    async def replay(self, subscription_id: str, *, delivery_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     now: datetime) -> int:
        where = ["subscription_id = ?", "state IN ('delivered', 'failed', 'cancelled')",
                 "event_id NOT IN (SELECT event_id FROM webhook_payloads WHERE erased = 1)"]
        params: list[Any] = [subscription_id]
        if delivery_id is not None:
            where.append("id = ?")
            params.append(delivery_id)
        if start is not None:
            where.append("occurred_at >= ?")
            params.append(iso(start))
        if end is not None:
            where.append("occurred_at < ?")
            params.append(iso(end))
        return await self._db.run(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, "
            "lease_owner = NULL, lease_until = NULL, attempts = 0 WHERE " + " AND ".join(where),
            (iso(now), *params))

    async def cancel_open(self, subscription_id: str, reason: str) -> int:
        return await self._db.run(
            "UPDATE webhook_deliveries SET state = 'cancelled', lease_owner = NULL, "
            "lease_until = NULL, error = ? WHERE subscription_id = ? "
            "AND state IN ('pending', 'delivering')", (reason, subscription_id))

    async def erase_person(self, person_id: str) -> int:
        async with self._db.transaction() as session:
            await session.run(
                "UPDATE webhook_outbox SET doc = json_set(doc, '$.data', json('{}'), "
                f"'$.person_ids', json('[]')) WHERE {ABOUT_PERSON}", (person_id,))
            touched = await session.run(
                "UPDATE webhook_deliveries SET state = CASE WHEN state IN ('pending', "
                "'delivering') THEN 'cancelled' ELSE state END, lease_owner = NULL "
                f"WHERE event_id IN ({PAYLOAD_ABOUT})", (person_id,))
            await session.run(
                "UPDATE webhook_payloads SET data = '{}', person_ids = '[]', erased = 1 "
                f"WHERE event_id IN ({PAYLOAD_ABOUT})", (person_id,))
            return touched

"""SQLite repository for outgoing webhooks: subscriptions, the outbox of emitted events, and
deliveries leased with one `UPDATE … RETURNING` (the single connection's write lock makes it
atomic), unique on (subscription_id, event_id)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.webhooks import OutboxEvent, WebhookDelivery, WebhookSubscription
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

OUTBOX_INSERT = ("INSERT INTO webhook_outbox (id, fanned, occurred_at, doc) VALUES (?, 0, ?, ?) "
                 "ON CONFLICT DO NOTHING")


def outbox_row(event: OutboxEvent) -> tuple[str, str, str]:
    return (event.id, iso(event.occurred_at), dump(event))


ABOUT_PERSON = "EXISTS (SELECT 1 FROM json_each(doc, '$.person_ids') WHERE value = ?)"
DELIVERY_COLUMNS = ("id, subscription_id, event_id, state, occurred_at, next_attempt_at, "
                    "lease_owner, lease_until, doc")


def _row(d: WebhookDelivery) -> tuple[Any, ...]:
    return (d.id, d.subscription_id, d.event_id, d.state, iso(d.occurred_at),
            iso(d.next_attempt_at), d.lease_owner,
            iso(d.lease_until) if d.lease_until else None, dump(d))


def _deliveries(rows: list[tuple[Any, ...]]) -> list[WebhookDelivery]:
    return [WebhookDelivery.model_validate_json(doc) for (doc,) in rows]


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

    async def mark_fanned(self, event_ids: Sequence[str]) -> None:
        if not event_ids:
            return
        marks = ", ".join("?" * len(event_ids))
        await self._db.run(
            f"UPDATE webhook_outbox SET fanned = 1, doc = json_set(doc, '$.fanned_out', json("
            f"'true')) WHERE id IN ({marks})", list(event_ids))

    # --- deliveries ------------------------------------------------------------------------

    async def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        if not deliveries:
            return 0
        sql = (f"INSERT INTO webhook_deliveries ({DELIVERY_COLUMNS}) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        async with self._db.transaction() as session:
            return await session.run_many(sql, [_row(d) for d in deliveries])

    async def lease(self, subscription_id: str, *, owner: str, now: datetime,
                    until: datetime, limit: int) -> list[WebhookDelivery]:
        now_text, until_text = iso(now), iso(until)
        rows = await self._db.rows(
            "UPDATE webhook_deliveries SET state = 'delivering', lease_owner = ?, "
            "lease_until = ?, doc = json_set(doc, '$.state', 'delivering', '$.lease_owner', ?, "
            "'$.lease_until', ?) WHERE id IN (SELECT id FROM webhook_deliveries "
            "WHERE subscription_id = ? AND ((state = 'pending' AND next_attempt_at <= ?) "
            "OR (state = 'delivering' AND lease_until <= ?)) ORDER BY occurred_at, id LIMIT ?) "
            "RETURNING doc",
            (owner, until_text, owner, until_text, subscription_id, now_text, now_text,
             max(0, limit)))
        return sorted(_deliveries(rows), key=lambda d: (d.occurred_at, d.id))

    async def finish(self, delivery: WebhookDelivery, *, owner: str) -> bool:
        return bool(await self.finish_many([delivery], owner=owner))

    async def finish_many(self, deliveries: Sequence[WebhookDelivery], *, owner: str) -> int:
        """Only the outcome fields are written (the payload stays as stored)."""
        if not deliveries:
            return 0
        rows = []
        for d in deliveries:  # spelled out: this runs once per post
            next_attempt_at = iso(d.next_attempt_at)
            lease_until = iso(d.lease_until) if d.lease_until else None
            outcome = json.dumps({
                "state": d.state, "attempts": d.attempts, "next_attempt_at": next_attempt_at,
                "lease_owner": d.lease_owner, "lease_until": lease_until,
                "response_status": d.response_status, "error": d.error,
                "latency_ms": d.latency_ms,
                "delivered_at": iso(d.delivered_at) if d.delivered_at else None})
            rows.append((d.state, next_attempt_at, d.lease_owner, lease_until, outcome, d.id,
                         owner))
        async with self._db.transaction() as session:
            return await session.run_many(
                "UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, lease_owner = ?, "
                "lease_until = ?, doc = json_patch(doc, ?) WHERE id = ? AND lease_owner = ? "
                "AND state = 'delivering'", rows)

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        rows = await self._db.rows("SELECT doc FROM webhook_deliveries WHERE id = ?",
                                   (delivery_id,))
        return _deliveries(rows)[0] if rows else None

    async def deliveries(self, subscription_id: str, *, limit: int,
                         before: datetime | None = None) -> list[WebhookDelivery]:
        sql = "SELECT doc FROM webhook_deliveries WHERE subscription_id = ?"
        params: list[Any] = [subscription_id]
        if before is not None:
            sql += " AND occurred_at < ?"
            params.append(iso(before))
        sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        params.append(max(0, limit))
        return _deliveries(await self._db.rows(sql, params))

    async def replay(self, subscription_id: str, *, delivery_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     now: datetime) -> int:
        where = ["subscription_id = ?", "state IN ('delivered', 'failed', 'cancelled')",
                 "json_extract(doc, '$.erased') = 0"]
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
        now_text = iso(now)
        return await self._db.run(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, "
            "lease_owner = NULL, lease_until = NULL, doc = json_set(doc, '$.state', 'pending', "
            "'$.next_attempt_at', ?, '$.lease_owner', NULL, '$.lease_until', NULL, "
            "'$.attempts', 0) WHERE " + " AND ".join(where), (now_text, now_text, *params))

    async def cancel_open(self, subscription_id: str, reason: str) -> int:
        return await self._db.run(
            "UPDATE webhook_deliveries SET state = 'cancelled', lease_owner = NULL, "
            "lease_until = NULL, doc = json_set(doc, '$.state', 'cancelled', '$.lease_owner', "
            "NULL, '$.lease_until', NULL, '$.error', ?) WHERE subscription_id = ? "
            "AND state IN ('pending', 'delivering')", (reason, subscription_id))

    async def erase_person(self, person_id: str) -> int:
        async with self._db.transaction() as session:
            await session.run(
                "UPDATE webhook_outbox SET doc = json_set(doc, '$.data', json('{}'), "
                f"'$.person_ids', json('[]')) WHERE {ABOUT_PERSON}", (person_id,))
            return await session.run(
                "UPDATE webhook_deliveries SET state = CASE WHEN state IN ('pending', "
                "'delivering') THEN 'cancelled' ELSE state END, lease_owner = NULL, "
                "doc = json_set(doc, '$.data', json('{}'), '$.person_ids', json('[]'), "
                "'$.erased', json('true'), '$.state', CASE WHEN state IN ('pending', "
                "'delivering') THEN 'cancelled' ELSE state END, '$.lease_owner', NULL) "
                f"WHERE {ABOUT_PERSON}", (person_id,))

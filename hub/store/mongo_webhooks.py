"""MongoDB repository for outgoing webhooks: `webhook_subscriptions`, `webhook_outbox` and
`webhook_deliveries` (unique on subscription + event). A batch of deliveries is leased in
three round trips, oldest event first: the due ids, one `update_many` that re-checks each is
still due (atomic per document, so of two workers racing for one delivery only one takes
it), and a read of what this call holds; any number of worker processes can share one
database without taking the same delivery twice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateMany, UpdateOne

from hub.domain.common import new_id, to_utc_ms
from hub.domain.webhooks import (
    DeliveryOutcome,
    LeasedDelivery,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.store.mongo_base import CrudRepo, RecordRepo

LEASED_FIELDS = {"_id": 1, "event_id": 1, "type": 1, "occurred_at": 1, "data": 1,
                 "attempts": 1}
OLDEST_FIRST = [("occurred_at", 1), ("_id", 1)]
NEWEST_FIRST = [("occurred_at", -1), ("_id", -1)]
LEASE_ROUNDS = 10


class _Subscriptions(CrudRepo[WebhookSubscription]):
    model = WebhookSubscription


class MongoOutbox(RecordRepo[OutboxEvent]):
    """The outbox collection, shared with the repositories whose writes emit (events, sends)."""

    model = OutboxEvent

    async def add(self, events: Sequence[OutboxEvent]) -> int:
        """Insert the new ones (idempotent on the event id); returns how many went in."""
        return await self._insert_new(list(events))


class _Deliveries(RecordRepo[WebhookDelivery]):
    model = WebhookDelivery


class MongoWebhookRepo:
    def __init__(self, database: Any) -> None:
        self._subscriptions = _Subscriptions(database["webhook_subscriptions"])
        self._outbox = MongoOutbox(database["webhook_outbox"])
        self._deliveries = _Deliveries(database["webhook_deliveries"])

    async def add_subscription(self, subscription: WebhookSubscription) -> None:
        await self._subscriptions.insert(subscription)

    async def get_subscription(self, subscription_id: str) -> WebhookSubscription | None:
        return await self._subscriptions.get(subscription_id)

    async def subscriptions(self) -> list[WebhookSubscription]:
        return await self._subscriptions._records({})

    async def replace_subscription(self, subscription: WebhookSubscription) -> None:
        await self._subscriptions.replace(subscription)

    async def delete_subscription(self, subscription_id: str) -> bool:
        await self.cancel_open(subscription_id, "the subscription was deleted")
        return await self._subscriptions.delete(subscription_id)

    async def emit(self, event: OutboxEvent) -> None:
        await self._outbox._insert_new([event])

    async def emit_many(self, events: Sequence[OutboxEvent]) -> int:
        return await self._outbox._insert_new(list(events))

    async def unfanned(self, *, limit: int) -> list[OutboxEvent]:
        if limit < 1:
            return []
        return await self._outbox._records({"fanned_out": False}, sort=OLDEST_FIRST,
                                           limit=limit)

    async def unfanned_ids(self, *, limit: int) -> list[str]:
        if limit < 1:
            return []
        with self._outbox._errors():
            docs = await self._outbox._c.find({"fanned_out": False}, {"_id": 1}).sort(
                OLDEST_FIRST).limit(limit).to_list()
        return [str(doc["_id"]) for doc in docs]

    async def mark_fanned(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self._outbox._update_many({"_id": {"$in": list(event_ids)}},
                                            {"$set": {"fanned_out": True}})

    async def prune_outbox(self, *, before: datetime) -> int:
        with self._outbox._errors():
            result = await self._outbox._c.delete_many(
                {"fanned_out": True, "occurred_at": {"$lt": before}})
        return int(result.deleted_count)

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Each delivery carries its own payload: nothing else to clean up."""
        with self._deliveries._errors():
            result = await self._deliveries._c.delete_many(
                {"state": {"$in": ["delivered", "failed", "cancelled"]},
                 "next_attempt_at": {"$lt": before},
                 "$or": [{"delivered_at": None}, {"delivered_at": {"$lt": before}}]})
        return int(result.deleted_count)

    async def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        return await self._deliveries._insert_new(list(deliveries))

    async def fan_out(self, deliveries: Sequence[tuple[str, str, OutboxEvent]], *,
                      fanned: Sequence[str], now: datetime) -> int:
        """The deliveries first, then the marks: a crash in between fans out again, which
        the unique (subscription, event) index turns into nothing new."""
        docs = [{"_id": delivery_id, "subscription_id": subscription_id, "event_id": event.id,
                 "type": event.type, "occurred_at": event.occurred_at, "data": event.data,
                 "person_ids": event.person_ids, "state": "pending", "attempts": 0,
                 "next_attempt_at": now, "lease_owner": None, "lease_until": None,
                 "response_status": None, "error": None, "latency_ms": None,
                 "delivered_at": None, "created_at": now, "erased": False}
                for delivery_id, subscription_id, event in deliveries]
        added = await self._deliveries._insert_docs(docs)
        await self.mark_fanned(fanned)
        return added

    async def lease(self, subscription_id: str, *, owner: str, now: datetime,
                    until: datetime, limit: int) -> list[LeasedDelivery]:
        query = {"subscription_id": subscription_id, "$or": [
            {"state": "pending", "next_attempt_at": {"$lte": now}},
            {"state": "delivering", "lease_until": {"$lte": now}}]}
        token = f"{owner}/{new_id()}"  # tells this call's leases from the owner's earlier ones
        held = 0
        for _ in range(LEASE_ROUNDS):  # another round only after losing a race for some
            want = limit - held
            if want < 1:
                break
            with self._deliveries._errors():
                due = await self._deliveries._c.find(query, {"_id": 1}).sort(
                    OLDEST_FIRST).limit(want).to_list()
            ids = [doc["_id"] for doc in due]
            if not ids:
                break
            won = await self._deliveries._update_many({"_id": {"$in": ids}, **query}, {
                "$set": {"state": "delivering", "lease_owner": owner, "lease_until": until,
                         "lease_token": token}})
            held += won
            if won == len(ids):
                break
        if not held:
            return []
        with self._deliveries._errors():  # only what posting needs
            taken = await self._deliveries._c.find(
                {"subscription_id": subscription_id, "state": "delivering",
                 "lease_token": token}, LEASED_FIELDS).sort(OLDEST_FIRST).to_list()
        return [LeasedDelivery(
            id=doc["_id"], event_id=doc["event_id"], type=doc["type"],
            occurred_at=to_utc_ms(doc["occurred_at"]),
            data=json.dumps(doc.get("data") or {}, separators=(",", ":"), ensure_ascii=False),
            attempts=doc.get("attempts", 0)) for doc in taken]

    async def finish_many(self, outcomes: Sequence[DeliveryOutcome], *, owner: str,
                          release: Sequence[str] = ()) -> int:
        """One unordered bulk write: an owner-checked `UpdateOne` per outcome and an
        `UpdateMany` for the released (each filter re-checks the lease, so what another
        worker took meanwhile is left alone)."""
        held_by_owner = {"lease_owner": owner, "state": "delivering"}
        writes: list[UpdateOne | UpdateMany] = []
        for outcome in outcomes:
            fields: dict[str, Any] = {
                "state": outcome.state, "attempts": outcome.attempts,
                "response_status": outcome.response_status, "error": outcome.error,
                "latency_ms": outcome.latency_ms, "delivered_at": outcome.delivered_at,
                "lease_owner": None, "lease_until": None}
            if outcome.next_attempt_at is not None:
                fields["next_attempt_at"] = outcome.next_attempt_at
            writes.append(UpdateOne({"_id": outcome.id, **held_by_owner}, {"$set": fields}))
        if release:
            writes.append(UpdateMany(
                {"_id": {"$in": list(release)}, **held_by_owner},
                {"$set": {"state": "pending", "lease_owner": None, "lease_until": None}}))
        if not writes:
            return 0
        with self._deliveries._errors():
            result = await self._deliveries._c.bulk_write(writes, ordered=False)
        return int(result.matched_count)

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        return await self._deliveries.get(delivery_id)

    async def deliveries(self, subscription_id: str, *, limit: int,
                         before: datetime | None = None) -> list[WebhookDelivery]:
        if limit < 1:
            return []
        query: dict[str, Any] = {"subscription_id": subscription_id}
        if before is not None:
            query["occurred_at"] = {"$lt": before}
        return await self._deliveries._records(query, sort=NEWEST_FIRST, limit=limit)

    async def replay(self, subscription_id: str, *, delivery_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     now: datetime) -> int:
        query: dict[str, Any] = {"subscription_id": subscription_id, "erased": False,
                                 "state": {"$in": ["delivered", "failed", "cancelled"]}}
        if delivery_id is not None:
            query["_id"] = delivery_id
        period: dict[str, datetime] = {}
        if start is not None:
            period["$gte"] = start
        if end is not None:
            period["$lt"] = end
        if period:
            query["occurred_at"] = period
        return await self._deliveries._update_many(query, {"$set": {
            "state": "pending", "next_attempt_at": now, "lease_owner": None,
            "lease_until": None, "attempts": 0}})

    async def cancel_open(self, subscription_id: str, reason: str) -> int:
        return await self._deliveries._update_many(
            {"subscription_id": subscription_id, "state": {"$in": ["pending", "delivering"]}},
            {"$set": {"state": "cancelled", "lease_owner": None, "lease_until": None,
                      "error": reason}})

    async def erase_person(self, person_id: str) -> int:
        await self._outbox._update_many({"person_ids": person_id},
                                        {"$set": {"data": {}, "person_ids": []}})
        await self._deliveries._update_many(
            {"person_ids": person_id, "state": {"$in": ["pending", "delivering"]}},
            {"$set": {"state": "cancelled", "lease_owner": None, "lease_until": None}})
        return await self._deliveries._update_many(
            {"person_ids": person_id},
            {"$set": {"data": {}, "person_ids": [], "erased": True}})

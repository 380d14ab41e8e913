"""MongoDB repository for outgoing webhooks: `webhook_subscriptions`, `webhook_outbox` and
`webhook_deliveries` (unique on subscription + event). A batch of deliveries is leased in
three round trips, oldest event first: the due ids, one `update_many` that re-checks each is
still due (atomic per document, so of two workers racing for one delivery only one takes
it), and a read of what this call holds; any number of worker processes can share one
database without taking the same delivery twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import new_id
from hub.domain.webhooks import OutboxEvent, WebhookDelivery, WebhookSubscription
from hub.store.mongo_base import CrudRepo, RecordRepo

OUTCOME_FIELDS = ("state", "attempts", "next_attempt_at", "lease_owner", "lease_until",
                  "response_status", "error", "latency_ms", "delivered_at")
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

    async def mark_fanned(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self._outbox._update_many({"_id": {"$in": list(event_ids)}},
                                            {"$set": {"fanned_out": True}})

    async def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        return await self._deliveries._insert_new(list(deliveries))

    async def lease(self, subscription_id: str, *, owner: str, now: datetime,
                    until: datetime, limit: int) -> list[WebhookDelivery]:
        query = {"subscription_id": subscription_id, "$or": [
            {"state": "pending", "next_attempt_at": {"$lte": now}},
            {"state": "delivering", "lease_until": {"$lte": now}}]}
        token = f"{owner}/{new_id()}"  # tells this call's leases from the owner's earlier ones
        held = 0
        for _ in range(LEASE_ROUNDS):  # another round only after losing a race for some
            want = limit - held
            if want < 1:
                break
            due = await self._deliveries._find_docs(query, sort=OLDEST_FIRST, limit=want)
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
        taken = await self._deliveries._records({"subscription_id": subscription_id,
                                                 "state": "delivering",
                                                 "lease_token": token})
        return sorted(taken, key=lambda d: (d.occurred_at, d.id))

    async def finish(self, delivery: WebhookDelivery, *, owner: str) -> bool:
        outcome = {name: getattr(delivery, name) for name in OUTCOME_FIELDS}
        with self._deliveries._errors():
            result = await self._deliveries._c.update_one(
                {"_id": delivery.id, "lease_owner": owner, "state": "delivering"},
                {"$set": outcome})
        return result.matched_count == 1

    async def finish_many(self, deliveries: Sequence[WebhookDelivery], *, owner: str) -> int:
        held = 0
        for delivery in deliveries:  # one owner-checked update each, like `finish`
            held += await self.finish(delivery, owner=owner)
        return held

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

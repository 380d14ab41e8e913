"""MongoDB repositories for segments, templates, campaigns and deliveries.

Deliveries are leased one `find_one_and_update` at a time (in id order), so any number of
worker processes on any number of machines can share one database without taking the same
delivery twice; `(campaign_id, person_id)` is unique through `deliveries_campaign_person`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from pymongo import ReturnDocument

from hub.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryCounts,
    MessageTemplate,
    Segment,
)
from hub.domain.common import utcnow
from hub.domain.events import Event, StatusChange
from hub.domain.journeys import AbDecision
from hub.domain.webhooks import OutboxEvent
from hub.errors import DuplicateKey
from hub.ports import SendEnd, SendStart
from hub.store.mongo_base import CrudRepo, Doc, RecordRepo
from hub.store.mongo_events import MongoEventRepo

BY_ID = [("_id", 1)]


class _Paged(CrudRepo[Any]):
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Any]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoSegmentRepo(_Paged):
    model = Segment


class MongoTemplateRepo(_Paged):
    model = MessageTemplate


class MongoCampaignRepo(_Paged):
    model = Campaign

    async def with_status(self, statuses: Sequence[CampaignStatus]) -> list[Campaign]:
        return await self._records({"status": {"$in": list(statuses)}})

    async def status_of(self, campaign_id: str) -> CampaignStatus | None:
        with self._errors():
            docs = await self._c.find({"_id": campaign_id}, {"status": 1}).to_list()
        return cast(CampaignStatus, docs[0]["status"]) if docs else None

    async def set_status(
        self, campaign_id: str, status: CampaignStatus, *, expected: Sequence[CampaignStatus],
        fields: Mapping[str, Any] | None = None,
    ) -> Campaign | None:
        update = {**(fields or {}), "status": status, "updated_at": utcnow()}
        with self._errors():
            doc = await self._c.find_one_and_update(
                {"_id": campaign_id, "status": {"$in": list(expected)}}, {"$set": update},
                return_document=ReturnDocument.AFTER)
        return None if doc is None else self._from_doc(doc)

    async def record_ab_decision(self, campaign_id: str,
                                 decision: AbDecision) -> AbDecision | None:
        with self._errors():
            await self._c.update_one(  # {"ab_decision": None} also matches a missing field
                {"_id": campaign_id, "ab_decision": None},
                {"$set": {"ab_decision": decision.model_dump(mode="json")}})
        stored = await self.get(campaign_id)
        return None if stored is None else stored.ab_decision


class MongoDeliveryRepo(RecordRepo[Delivery]):
    model = Delivery

    def __init__(self, collection: Any, events: MongoEventRepo) -> None:
        super().__init__(collection)
        self._events = events

    async def insert_many(self, deliveries: Sequence[Delivery]) -> int:
        return await self._insert_new(list(deliveries))

    async def for_person(self, campaign_id: str, person_id: str) -> Delivery | None:
        return await self._record({"campaign_id": campaign_id, "person_id": person_id})

    async def _take(self, query: Doc, status: str, owner: str, until: datetime,
                    limit: int) -> list[Delivery]:
        taken: list[Delivery] = []
        update = {"$set": {"status": status, "lease_owner": owner, "lease_until": until}}
        for _ in range(max(0, limit)):
            with self._errors():
                doc = await self._c.find_one_and_update(
                    query, update, sort=BY_ID, return_document=ReturnDocument.AFTER)
            if doc is None:
                break
            taken.append(self._from_doc(doc))
        return taken

    async def lease(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        query = {"campaign_id": campaign_id, "$or": [
            {"status": "queued", "$or": [{"not_before": None}, {"not_before": {"$lte": now}}]},
            {"status": "leased", "lease_until": {"$lte": now}},
        ]}
        return await self._take(query, "leased", owner, until, limit)

    async def stale_sending(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        query = {"campaign_id": campaign_id, "status": "sending", "lease_until": {"$lte": now}}
        return await self._take(query, "sending", owner, until, limit)

    async def update(self, delivery: Delivery, *, owner: str | None,
                     leased: bool = False) -> bool:
        doc = self._to_doc(delivery.model_copy(update={"updated_at": utcnow()}))
        query: Doc = {"_id": delivery.id}
        if owner is not None:
            query["lease_owner"] = owner
        if leased:
            query["status"] = "leased"
        with self._errors():
            result = await self._c.replace_one(query, doc)
        return result.matched_count == 1

    async def start_send(self, delivery: Delivery, event: Event, *, owner: str,
                         outbox: Sequence[OutboxEvent] = ()) -> bool:
        """No multi-document transaction without a replica set: the delivery first, so a
        crash before the event leaves a `sending` delivery without one (back to `queued`);
        the outbox rows after the event, with it (`append`)."""
        if not await self.update(delivery, owner=owner, leased=True):
            return False
        await self._events.append(event, outbox=outbox)
        return True

    async def finish_send(self, delivery: Delivery, *, owner: str, provider_id: str | None,
                          change: StatusChange, outbox: Sequence[OutboxEvent] = ()) -> bool:
        if delivery.event_id is not None:
            update: Doc = {"$push": {"status_history": change.to_doc()},
                           "$set": {"status": change.status}}
            if provider_id:
                try:
                    await self._events.update_one(
                        delivery.event_id,
                        {**update, "$set": {**update["$set"], "external_id": provider_id}})
                except DuplicateKey:
                    await self._events.update_one(delivery.event_id, update)
            else:
                await self._events.update_one(delivery.event_id, update)
            if outbox:
                await self._events.outbox.add(outbox)
        return await self.update(delivery, owner=owner)

    async def start_send_many(self, starts: Sequence[SendStart], *, owner: str) -> list[bool]:
        """Each `start_send` in turn (no multi-document transaction without a replica set;
        each keeps its own order: the delivery, then its event and outbox rows)."""
        return [await self.start_send(s.delivery, s.event, owner=owner, outbox=s.outbox)
                for s in starts]

    async def finish_send_many(self, ends: Sequence[SendEnd], *, owner: str) -> list[bool]:
        return [await self.finish_send(e.delivery, owner=owner, provider_id=e.provider_id,
                                       change=e.change, outbox=e.outbox) for e in ends]

    async def record_sends(self, ends: Sequence[SendEnd], starts: Sequence[SendStart], *,
                           owner: str) -> tuple[list[bool], list[bool]]:
        return (await self.finish_send_many(ends, owner=owner),
                await self.start_send_many(starts, owner=owner))

    async def counts(self, campaign_id: str) -> DeliveryCounts:
        pipeline: list[Doc] = [{"$match": {"campaign_id": campaign_id}},
                               {"$group": {"_id": "$status", "n": {"$sum": 1}}}]
        with self._errors():
            cursor = await self._c.aggregate(pipeline)
            rows = await cursor.to_list()
        opted = await self._count({"campaign_id": campaign_id, "opted_out_at": {"$ne": None}})
        fallbacks = await self._count({"campaign_id": campaign_id, "language_fallback": True})
        return DeliveryCounts(by_status={row["_id"]: int(row["n"]) for row in rows},
                              opted_out=opted, language_fallbacks=fallbacks)

    async def with_status(
        self, campaign_id: str, statuses: Sequence[str], *, limit: int
    ) -> list[Delivery]:
        if not statuses or limit < 1:
            return []
        return await self._records({"campaign_id": campaign_id, "status": {"$in": list(statuses)}},
                                   limit=limit)

    async def cancel_open(self, campaign_id: str, reason: str) -> int:
        return await self._update_many(
            {"campaign_id": campaign_id, "status": {"$in": ["queued", "leased"]}},
            {"$set": {"status": "cancelled", "lease_owner": None, "lease_until": None,
                      "reason": reason}})

    async def mark_opted_out(self, campaign_id: str, person_id: str, at: datetime) -> bool:
        return bool(await self._update_many(
            {"campaign_id": campaign_id, "person_id": person_id, "opted_out_at": None},
            {"$set": {"opted_out_at": at}}))

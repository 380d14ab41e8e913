"""The MongoDB event repository: append-only timelines, deduplicated on (channel, external_id)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import DESCENDING, ReturnDocument

from hub.domain.common import to_utc_ms
from hub.domain.conversations import Conversation
from hub.domain.event_json import EventJson
from hub.domain.events import (
    PERSONAL_EVENT_FIELDS,
    Event,
    EventChannel,
    StatusChange,
    TimelineCursor,
    TimelineQuery,
)
from hub.domain.webhooks import OutboxEvent
from hub.errors import DuplicateKey, InvalidInput, NotFound
from hub.ports import (
    ALERT_CHANNEL,
    ANSWERING_CHANNELS,
    AUTOMATION,
    AWAITING_CHANNELS,
    AwaitingReply,
    ConversationPlan,
)
from hub.store.mongo_base import PersonLinked, Query, RecordRepo, Sort
from hub.store.mongo_webhooks import MongoOutbox

NEWEST_FIRST: Sort = [("occurred_at", DESCENDING), ("_id", DESCENDING)]

ERASED_FIELDS: tuple[str, ...] = (*PERSONAL_EVENT_FIELDS, "survey.comment")
"""Removed on erasure; reading back gives the model defaults (None, or {} for `data`).
`$unset` of `survey.comment` is a no-op where `survey` is null, on a server as in mongomock."""


def _subject(query: TimelineQuery) -> Query:
    if (query.person_ids is None) == (query.organisation_id is None):
        raise InvalidInput("a timeline needs exactly one of person_ids and organisation_id")
    match: dict[str, object] = (
        {"person_id": {"$in": list(query.person_ids)}}
        if query.person_ids is not None
        else {"organisation_id": query.organisation_id}
    )
    if query.channel is not None:
        match["channel"] = query.channel
    return match


def _older_than(cursor: TimelineCursor) -> Query:
    return {
        "$or": [
            {"occurred_at": {"$lt": cursor.occurred_at}},
            {"occurred_at": cursor.occurred_at, "_id": {"$lt": cursor.id}},
        ]
    }


_WAITING_CHANNELS = [*AWAITING_CHANNELS, ALERT_CHANNEL]
_INBOUND_WAITING: Query = {"$and": [{"$eq": ["$direction", "inbound"]},
                                    {"$in": ["$channel", _WAITING_CHANNELS]}]}
_ANSWERING: Query = {"$or": [
    {"$and": [{"$eq": ["$direction", "outbound"]},
              {"$eq": [{"$ifNull": ["$campaign_id", None]}, None]},
              {"$ne": [{"$ifNull": ["$data.purpose", "service"]}, "marketing"]}]},
    {"$and": [{"$in": ["$channel", list(ANSWERING_CHANNELS)]},
              {"$or": [{"$ne": ["$channel", ALERT_CHANNEL]},
                       {"$and": [{"$ne": ["$direction", "inbound"]},
                                 {"$ne": [{"$ifNull": ["$data.purpose", ""]}, AUTOMATION]}]}]}]}]}
"""A service answer: not a campaign's message nor a triggered survey (purpose marketing)."""
AWAITING_PIPELINE: list[Query] = [
    {"$match": {"person_id": {"$ne": None}}},
    {"$group": {
        "_id": "$person_id",
        "last_in": {"$max": {"$cond": [_INBOUND_WAITING, "$occurred_at", None]}},
        "last_answer": {"$max": {"$cond": [_ANSWERING, "$occurred_at", None]}},
    }},
    {"$match": {"last_in": {"$ne": None}}},
    {"$project": {"last_in": 1, "last_answer": 1,
                  "waiting": {"$gt": ["$last_in", "$last_answer"]}}},
    {"$match": {"waiting": True}},
]
"""Per person, the newest waiting inbound and the newest answer; those still waiting."""


class MongoEventRepo(RecordRepo[Event], PersonLinked):
    model = Event

    def __init__(self, collection: Any, outbox: MongoOutbox) -> None:
        super().__init__(collection)
        self.outbox = outbox  # the deliveries repo writes a send's end rows through it

    async def append(self, event: Event, *, outbox: Sequence[OutboxEvent] = ()
                     ) -> tuple[Event, bool]:
        """No multi-document transaction without a replica set: the event first, then its
        outbox rows (a crash in between loses those rows, as an emit after the write would)."""
        try:
            await self._insert(event)
        except DuplicateKey:
            if event.external_id is None:
                raise
            existing = await self._record(
                {"channel": event.channel, "external_id": event.external_id}
            )
            if existing is None:
                raise  # the clash was on the event id, not on the natural key
            return existing, False
        if outbox:
            await self.outbox.add(outbox)
        return event, True

    async def append_placing(self, event: Event, plan: ConversationPlan, *,
                             outbox: Sequence[OutboxEvent] = ()
                             ) -> tuple[Event, bool, Conversation | None]:
        """`append` only: without a transaction the conversation is placed by the event's
        listener after the append, as for every other event."""
        stored, created = await self.append(event, outbox=outbox)
        return stored, created, None

    async def append_many(self, events: Sequence[Event]) -> int:
        return await self._insert_new(events)

    async def find_by_external(self, channel: EventChannel, external_id: str) -> Event | None:
        return await self._record({"channel": channel, "external_id": external_id})

    async def set_external_id(self, event_id: str, external_id: str) -> None:
        """The unique `events_channel_external_id` index turns a taken key into DuplicateKey."""
        matched = await self._update_many(
            {"_id": event_id}, {"$set": {"external_id": external_id}}
        )
        if matched == 0:
            raise NotFound(f"events: no record {event_id}", details={"id": event_id})

    async def replace(self, event: Event) -> None:
        await self._replace(event)

    async def latest_outbound(
        self, person_id: str, channel: EventChannel, since: datetime
    ) -> Event | None:
        found = await self._records(
            {
                "person_id": person_id,
                "channel": channel,
                "direction": "outbound",
                "occurred_at": {"$gte": to_utc_ms(since)},
            },
            sort=NEWEST_FIRST,
            limit=1,
        )
        return found[0] if found else None

    async def marketing_sent(
        self, person_ids: Sequence[str], *, since: datetime
    ) -> dict[str, int]:
        if not person_ids:
            return {}
        pipeline: list[dict[str, Any]] = [
            {"$match": {"person_id": {"$in": list(person_ids)}, "direction": "outbound",
                        "occurred_at": {"$gte": to_utc_ms(since)},
                        "$or": [{"campaign_id": {"$type": "string"}},
                                {"data.purpose": "marketing"}]}},
            {"$group": {"_id": "$person_id", "n": {"$sum": 1}}},
        ]
        with self._errors():
            cursor = await self._c.aggregate(pipeline)
            rows = await cursor.to_list()
        return {row["_id"]: int(row["n"]) for row in rows}

    async def recent_outbound(
        self, channel: EventChannel, *, since: datetime, limit: int
    ) -> list[Event]:
        if limit < 1:
            return []  # MongoDB reads limit 0 as "no limit"
        return await self._records(
            {"channel": channel, "direction": "outbound",
             "occurred_at": {"$gte": to_utc_ms(since)}},
            sort=NEWEST_FIRST,
            limit=limit,
        )

    async def timeline(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[Event]:
        if limit < 1:
            return []  # MongoDB reads limit 0 as "no limit"
        match = _subject(query)
        if before is not None:
            match = {"$and": [match, _older_than(before)]}
        return await self._records(match, sort=NEWEST_FIRST, limit=limit)

    async def timeline_json(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[EventJson]:
        """Through the model: a BSON document holds no JSON text to serve as it is."""
        return [EventJson.of(event)
                for event in await self.timeline(query, limit=limit, before=before)]

    async def update_one(self, event_id: str, update: Query) -> None:
        """Apply a raw update to one event (the delivery repository's send record)."""
        with self._errors():
            await self._c.update_one({"_id": event_id}, update)

    async def add_status(self, event_id: str, change: StatusChange) -> Event | None:
        with self._errors():
            doc = await self._c.find_one_and_update(
                {"_id": event_id},
                {"$push": {"status_history": change.to_doc()}, "$set": {"status": change.status}},
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else self._from_doc(doc)

    async def erase_person(self, person_id: str) -> int:
        return await self._update_many(
            {"person_id": person_id},
            {"$unset": dict.fromkeys(ERASED_FIELDS, ""), "$set": {"erased": True}},
        )

    async def count_for_person(self, person_id: str) -> int:
        return await self._count({"person_id": person_id})

    async def count_campaign_persons(
        self, campaign_id: str, *, direction: str, channel: EventChannel | None = None
    ) -> int:
        query: dict[str, Any] = {"campaign_id": campaign_id, "direction": direction,
                                 "person_id": {"$ne": None}}
        if channel is not None:
            query["channel"] = channel
        with self._errors():
            return len(await self._c.distinct("person_id", query))

    async def count_campaign_flagged(self, campaign_id: str, flag: str, *,
                                     direction: str = "inbound") -> int:
        query = {"campaign_id": campaign_id, "direction": direction,
                 "person_id": {"$ne": None}, "data.flags": flag}
        with self._errors():
            return len(await self._c.distinct("person_id", query))

    async def for_campaign(
        self, campaign_id: str, *, direction: str, limit: int
    ) -> list[Event]:
        if limit < 1:
            return []
        return await self._records({"campaign_id": campaign_id, "direction": direction},
                                   sort=NEWEST_FIRST, limit=limit)

    async def for_form(self, form_id: str, *, limit: int) -> list[Event]:
        if limit < 1:
            return []
        return await self._records({"channel": "webform", "form.form_id": form_id},
                                   sort=NEWEST_FIRST, limit=limit)

    async def awaiting_reply(self, *, limit: int) -> list[AwaitingReply]:
        if limit < 1:
            return []
        with self._errors():
            cursor = await self._c.aggregate(AWAITING_PIPELINE)
            groups = await cursor.to_list()
        found: list[AwaitingReply] = []
        for group in groups:
            after = group.get("last_answer")
            match: dict[str, Any] = {"person_id": group["_id"], "direction": "inbound",
                            "channel": {"$in": _WAITING_CHANNELS}}
            if after is not None:
                match["occurred_at"] = {"$gt": after}
            first = await self._find_docs(match, sort=[("occurred_at", 1), ("_id", 1)], limit=1)
            since = first[0]["occurred_at"] if first else group["last_in"]
            found.append(AwaitingReply(person_id=group["_id"], since=to_utc_ms(since),
                                       last_inbound=to_utc_ms(group["last_in"])))
        found.sort(key=lambda a: (a.since, a.person_id))
        return found[:limit]

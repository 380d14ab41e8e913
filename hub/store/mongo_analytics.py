"""MongoDB analytics: revenue per party, call and message figures, response-time inputs and
consent changes, each an aggregation pipeline over indexed fields (`transactions_*_period`,
`events_channel_time`); only the aggregated rows come back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from hub.domain.analytics import (
    ASKING_CHANNELS,
    MESSAGE_CHANNELS,
    CallFigures,
    ContactMoment,
    KpiFigures,
    Level,
    PartyRevenue,
    PyramidFigures,
    response_waits,
)
from hub.domain.channels import SENDABLE_CHANNELS
from hub.store.mongo_base import Doc, driver_errors

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

ACTIVE_PERSON: Doc = {"merged_into": None, "erased_at": None}
INBOUND: Doc = {"channel": {"$in": list(ASKING_CHANNELS)}, "direction": "inbound"}
ANSWER: list[Doc] = [
    {"channel": {"$in": list(SENDABLE_CHANNELS)}, "direction": "outbound", "campaign_id": None},
    {"channel": "call"},
]
_COLLECTION = {"person": "persons", "household": "households", "organisation": "organisations"}
CHUNK = 1000


def _window(start: datetime | None, end: datetime | None) -> Doc:
    bounds: Doc = {}
    if start is not None:
        bounds["$gte"] = start
    if end is not None:
        bounds["$lt"] = end
    return {"occurred_at": bounds} if bounds else {}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


class MongoAnalyticsRepo:
    def __init__(self, database: AsyncDatabase[Doc]) -> None:
        self._db = database

    async def _aggregate(self, collection: str, pipeline: list[Doc]) -> list[Doc]:
        with driver_errors(collection):
            cursor = await self._db[collection].aggregate(pipeline)
            return list(await cursor.to_list())

    def _party_stages(self, level: Level, start: datetime | None,
                      end: datetime | None) -> list[Doc]:
        window = _window(start, end)
        if level == "person":
            return [{"$match": {**window, "person_id": {"$type": "string"}}},
                    {"$project": {"party": "$person_id", "amount_minor": 1}}]
        if level == "organisation":
            return [{"$match": {**window, "organisation_id": {"$type": "string"}}},
                    {"$project": {"party": "$organisation_id", "amount_minor": 1}}]
        return [
            {"$match": window},
            # the buyer's household: the one person (or none) as a sub-document, never read
            # through an array path ("$_p.household_id"), which SecantusDB gets wrong
            {"$lookup": {"from": "persons", "localField": "person_id", "foreignField": "_id",
                         "pipeline": [{"$project": {"household_id": 1}}], "as": "_p"}},
            {"$unwind": {"path": "$_p", "preserveNullAndEmptyArrays": True}},
            {"$project": {"amount_minor": 1,
                          "party": {"$ifNull": ["$household_id", "$_p.household_id"]}}},
            {"$match": {"party": {"$type": "string"}}},
        ]

    async def _sums(self, level: Level, start: datetime | None,
                    end: datetime | None) -> list[Doc]:
        pipeline = [*self._party_stages(level, start, end),
                    {"$group": {"_id": "$party", "revenue": {"$sum": "$amount_minor"}}},
                    {"$match": {"revenue": {"$gt": 0}}},
                    {"$sort": {"revenue": -1, "_id": 1}}]
        return await self._aggregate("transactions", pipeline)

    async def revenue_by_party(
        self, level: Level, start: datetime | None, end: datetime | None
    ) -> list[PartyRevenue]:
        return [PartyRevenue(doc["_id"], int(doc["revenue"]))
                for doc in await self._sums(level, start, end)]

    async def lapsed_parties(self, level: Level, start: datetime, end: datetime) -> list[str]:
        during = {doc["_id"] for doc in await self._sums(level, start, end)}
        before = {doc["_id"] for doc in await self._sums(level, None, start)}
        return sorted(before - during)

    async def party_count(self, level: Level) -> int:
        query = ACTIVE_PERSON if level == "person" else {}
        with driver_errors(_COLLECTION[level]):
            return int(await self._db[_COLLECTION[level]].count_documents(query))

    async def set_tiers(self, level: Level, tiers: Mapping[str, str], *, default: str) -> int:
        collection = self._db[_COLLECTION[level]]
        base = ACTIVE_PERSON if level == "person" else {}
        by_tier: dict[str, list[str]] = {}
        for party, tier in tiers.items():
            if tier != default:
                by_tier.setdefault(tier, []).append(party)
        with driver_errors(collection.name):
            result = await collection.update_many(
                base, {"$set": {"attributes.pyramid_tier": default}})
            for tier, ids in by_tier.items():
                for i in range(0, len(ids), CHUNK):
                    await collection.update_many(
                        {"_id": {"$in": ids[i:i + CHUNK]}},
                        {"$set": {"attributes.pyramid_tier": tier}})
        return int(result.matched_count)

    async def call_figures(self, start: datetime, end: datetime) -> CallFigures:
        match = {"$match": {"channel": "call", **_window(start, end)}}
        known = {"$cond": [{"$gt": ["$call.duration_s", None]}, 1, 0]}
        waited = {"$cond": [{"$gt": ["$call.wait_s", None]}, 1, 0]}
        totals = await self._aggregate("events", [match, {"$group": {
            "_id": None, "count": {"$sum": 1}, "duration": {"$sum": "$call.duration_s"},
            "n_duration": {"$sum": known}, "wait": {"$sum": "$call.wait_s"},
            "n_wait": {"$sum": waited}}}])
        agents = await self._aggregate("events", [
            match, {"$match": {"call.agent": {"$type": "string"}}},
            {"$group": {"_id": "$call.agent", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}])
        if not totals:
            return CallFigures()
        t = totals[0]
        return CallFigures(count=int(t["count"]), duration_total_s=int(t["duration"] or 0),
                           duration_count=int(t["n_duration"]), wait_total_s=int(t["wait"] or 0),
                           wait_count=int(t["n_wait"]),
                           per_agent={doc["_id"]: int(doc["n"]) for doc in agents})

    async def message_counts(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        rows = await self._aggregate("events", [
            {"$match": {"channel": {"$in": list(MESSAGE_CHANNELS)}, **_window(start, end)}},
            {"$group": {"_id": {"channel": "$channel", "direction": "$direction"},
                        "n": {"$sum": 1}}}])
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["_id"]["channel"], {})[row["_id"]["direction"]] = int(row["n"])
        return found

    async def contact_moments(self, start: datetime, end: datetime) -> list[ContactMoment]:
        persons = await self._aggregate("events", [
            {"$match": {**INBOUND, **_window(start, end), "person_id": {"$type": "string"}}},
            {"$group": {"_id": "$person_id"}}, {"$sort": {"_id": 1}}])
        ids = [doc["_id"] for doc in persons]
        moments: list[ContactMoment] = []
        for i in range(0, len(ids), CHUNK):
            rows = await self._aggregate("events", [
                {"$match": {"person_id": {"$in": ids[i:i + CHUNK]}, **_window(start, None),
                            "$or": [INBOUND, *ANSWER]}},
                {"$project": {"person_id": 1, "occurred_at": 1, "channel": 1, "direction": 1}},
                {"$sort": {"person_id": 1, "occurred_at": 1, "_id": 1}}])
            chunk = [ContactMoment(
                row["person_id"], _ms(row["occurred_at"]),
                row["direction"] == "inbound" and row["channel"] in ASKING_CHANNELS)
                for row in rows]
            # at one instant the question before the answer, as SQLite orders them
            chunk.sort(key=lambda m: (m.person_id, m.at_ms, not m.inbound))
            moments += chunk
        return moments

    async def consent_changes(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        rows = await self._aggregate("events", [
            {"$match": {"channel": "system", **_window(start, end),
                        "data.consent.channel": {"$type": "string"}}},
            {"$group": {"_id": {"channel": "$data.consent.channel",
                                "status": "$data.consent.status"}, "n": {"$sum": 1}}}])
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["_id"]["channel"], {})[row["_id"]["status"]] = int(row["n"])
        return found

    async def pyramid_figures(self, level: Level, start: datetime, end: datetime
                              ) -> PyramidFigures:
        ranked = await self.revenue_by_party(level, start, end)
        return PyramidFigures(revenues=[party.revenue_minor for party in ranked],
                              lapsed=len(await self.lapsed_parties(level, start, end)),
                              parties=await self.party_count(level))

    async def kpi_figures(self, start: datetime, end: datetime) -> KpiFigures:
        moments = await self.contact_moments(start, end)
        return KpiFigures(
            calls=await self.call_figures(start, end),
            messages=await self.message_counts(start, end),
            responses=response_waits(((m.person_id, m.at_ms, m.inbound) for m in moments),
                                     start.timestamp() * 1000, end.timestamp() * 1000),
            consent_changes=await self.consent_changes(start, end))

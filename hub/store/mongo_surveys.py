"""MongoDB repositories for surveys, personal tokens, responses and event triggers. Results
per segment start from the survey's responses, join each to its person and run the segment's
compiled stages (`mongo_segments.Compiled`) before counting, all in one pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from hub.domain.surveys import (
    Survey,
    SurveyResponse,
    SurveyToken,
    TriggerFiring,
    TriggerRule,
)
from hub.ports import ResponseFilter
from hub.store.mongo_base import CrudRepo, Doc, MongoCollection, Repo
from hub.store.mongo_segments import Compiled

ACTIVE_PERSON: Doc = {"merged_into": None, "erased_at": None}
RESPONSE_FIELDS: tuple[str, ...] = tuple(SurveyResponse.model_fields)


class MongoSurveyRepo(CrudRepo[Survey]):
    model = Survey

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Survey]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoSurveyTokenRepo(Repo[SurveyToken]):
    model = SurveyToken

    async def issue(self, token: SurveyToken) -> SurveyToken:
        key = {"survey_id": token.survey_id, "person_id": token.person_id,
               "send_key": token.send_key}
        with self._errors():
            doc = await self._c.find_one_and_update(
                key, {"$setOnInsert": token.to_doc()}, upsert=True,
                return_document=ReturnDocument.AFTER)
        assert doc is not None
        return self._from_doc(doc)

    async def get(self, token: str) -> SurveyToken | None:
        return await self._record({"token": token})


class MongoSurveyResponseRepo(Repo[SurveyResponse], MongoCollection):
    model = SurveyResponse

    async def get_by_key(self, key: str) -> SurveyResponse | None:
        return await self._record({"key": key})

    async def put(self, response: SurveyResponse) -> None:
        doc = response.to_doc()
        fixed = {name: doc.pop(name) for name in ("id", "key", "first_answered_at")}
        with self._errors():
            await self._c.update_one({"key": response.key},
                                     {"$set": doc, "$setOnInsert": fixed}, upsert=True)

    async def anonymise_person(self, person_id: str) -> int:
        with self._errors():
            ids = [doc["_id"] for doc in await self._find_docs({"person_id": person_id})]
            for response_id in ids:
                await self._c.update_one({"_id": response_id}, {"$set": {
                    "person_id": "erased", "comment": None, "key": f"erased:{response_id}"}})
        return len(ids)

    def _pipeline(self, which: ResponseFilter) -> list[Doc]:
        match: Doc = {"survey_id": which.survey_id}
        if which.channel is not None:
            match["channel"] = which.channel
        if which.campaign_id is not None:
            match["campaign_id"] = which.campaign_id
        bounds: Doc = {}
        if which.start is not None:
            bounds["$gte"] = which.start
        if which.end is not None:
            bounds["$lt"] = which.end
        if bounds:
            match["answered_at"] = bounds
        stages: list[Doc] = [{"$match": match}]
        if which.predicate is None:
            return stages
        compiled = Compiled(which.predicate)
        return [
            *stages,
            {"$lookup": {"from": "persons", "localField": "person_id", "foreignField": "_id",
                         "as": "_person"}},
            {"$unwind": "$_person"},
            # the person document becomes the root (the segment stages read its fields), with
            # the response kept under `_response`: copied field by field, never `$$ROOT`,
            # which would nest the person inside itself
            {"$project": {"_person": 1, "_r": {name: f"${name}" for name in RESPONSE_FIELDS}}},
            {"$addFields": {"_person._response": "$_r"}},
            {"$replaceRoot": {"newRoot": "$_person"}},
            {"$match": ACTIVE_PERSON},
            *compiled.stages,
            {"$replaceRoot": {"newRoot": "$_response"}},
        ]

    async def _aggregate(self, pipeline: list[Doc]) -> list[Doc]:
        with self._errors():
            cursor = await self._c.aggregate(pipeline)
            return list(await cursor.to_list())

    async def distribution(self, which: ResponseFilter) -> dict[str, dict[int, int]]:
        rows = await self._aggregate([*self._pipeline(which), {"$group": {
            "_id": {"channel": "$channel", "score": "$score"}, "n": {"$sum": 1}}}])
        found: dict[str, dict[int, int]] = {}
        for row in rows:
            found.setdefault(row["_id"]["channel"], {})[int(row["_id"]["score"])] = int(row["n"])
        return found

    async def with_comments(self, which: ResponseFilter, *, limit: int) -> list[SurveyResponse]:
        if limit < 1:
            return []
        rows = await self._aggregate([
            *self._pipeline(which), {"$match": {"comment": {"$nin": [None, ""]}}},
            {"$sort": {"answered_at": -1, "id": -1}}, {"$limit": limit}])
        for row in rows:
            row.pop("_response", None)
            row.pop("_person", None)
        return [self._from_doc(row) for row in rows]

    async def count_for_campaign(self, campaign_id: str) -> int:
        return await self._count({"campaign_id": campaign_id})


class MongoTriggerRuleRepo(CrudRepo[TriggerRule]):
    model = TriggerRule

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[TriggerRule]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoTriggerFiringRepo(CrudRepo[TriggerFiring]):
    model = TriggerFiring

    async def due(self, now: datetime, *, limit: int) -> list[TriggerFiring]:
        if limit < 1:
            return []
        return await self._records({"status": "pending", "due_at": {"$lte": now}},
                                   sort=[("due_at", 1), ("_id", 1)], limit=limit)

    async def recent_for_person(
        self, rule_id: str, person_id: str, since: datetime, *, exclude_id: str
    ) -> bool:
        query: dict[str, Any] = {"rule_id": rule_id, "person_id": person_id,
                                 "created_at": {"$gte": since},
                                 "status": {"$in": ["pending", "sent"]},
                                 "_id": {"$ne": exclude_id}}
        return await self._count(query) > 0

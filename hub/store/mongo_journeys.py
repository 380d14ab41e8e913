"""MongoDB repositories for journeys, their versions and enrolments.

Enrolments are claimed one `find_one_and_update` at a time (earliest due first), so any
number of worker processes share one database and each enrolment goes to one of them;
`save` is a `replace_one` filtered on the lease owner. The unique index on (journey_id,
entry_key) absorbs a trigger storm.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument

from hub.domain.common import utcnow
from hub.domain.journeys import (
    Enrolment,
    EnrolmentCounts,
    EnrolmentState,
    Journey,
    JourneyStatus,
    JourneyVersion,
)
from hub.errors import DuplicateKey
from hub.store.mongo_base import CrudRepo, Doc, RecordRepo

DUE_ORDER = [("due_at", ASCENDING), ("_id", ASCENDING)]


class MongoJourneyRepo(CrudRepo[Journey]):
    model = Journey

    def __init__(self, collection: Any, versions: Any) -> None:
        super().__init__(collection)
        self._versions = _Versions(versions)

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Journey]:
        return await self._page({}, limit=limit, after_id=after_id)

    async def with_status(self, statuses: Sequence[JourneyStatus]) -> list[Journey]:
        if not statuses:
            return []
        return await self._records({"status": {"$in": list(statuses)}})

    async def add_version(self, version: JourneyVersion) -> None:
        await self._versions.insert(version)

    async def get_version(self, journey_id: str, version: int) -> JourneyVersion | None:
        return await self._versions.get(f"{journey_id}:{version}")


class _Versions(CrudRepo[JourneyVersion]):
    model = JourneyVersion


class MongoEnrolmentRepo(RecordRepo[Enrolment]):
    model = Enrolment

    def _to_doc(self, record: Enrolment) -> Doc:
        doc = super()._to_doc(record)
        doc["waiting"] = record.waiting_since is not None
        return doc

    def _from_doc(self, doc: Doc) -> Enrolment:
        doc.pop("waiting", None)
        return super()._from_doc(doc)

    async def enrol(self, enrolment: Enrolment) -> bool:
        try:
            await self._insert(enrolment)
        except DuplicateKey:
            return False
        return True

    async def enrol_many(self, enrolments: Sequence[Enrolment]) -> int:
        return await self._insert_new(list(enrolments))

    async def latest_for(self, journey_id: str, person_id: str) -> Enrolment | None:
        found = await self._records({"person_id": person_id, "journey_id": journey_id},
                                    sort=[("_id", -1)], limit=1)
        return found[0] if found else None

    async def for_person(self, person_id: str, *, limit: int) -> list[Enrolment]:
        if limit < 1:
            return []
        return await self._records({"person_id": person_id}, sort=[("_id", -1)], limit=limit)

    async def for_journey(self, journey_id: str, *, states: Sequence[EnrolmentState] = (),
                          limit: int = 50, after_id: str | None = None) -> list[Enrolment]:
        query: Doc = {"journey_id": journey_id}
        if states:
            query["state"] = {"$in": list(states)}
        return await self._page(query, limit=limit, after_id=after_id)

    async def claim_due(self, journey_ids: Sequence[str], *, owner: str, now: datetime,
                        until: datetime, limit: int) -> list[Enrolment]:
        if not journey_ids:
            return []
        query = {"journey_id": {"$in": list(journey_ids)},
                 "state": {"$in": ["active", "sending"]}, "due_at": {"$lte": now},
                 "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}
        update = {"$set": {"lease_owner": owner, "lease_until": until}}
        taken: list[Enrolment] = []
        for _ in range(max(0, limit)):
            with self._errors():
                doc = await self._c.find_one_and_update(
                    query, update, sort=DUE_ORDER, return_document=ReturnDocument.AFTER)
            if doc is None:
                break
            taken.append(self._from_doc(doc))
        return taken

    async def save(self, enrolment: Enrolment, *, owner: str | None) -> bool:
        doc = self._to_doc(enrolment.model_copy(update={"updated_at": utcnow()}))
        query: Doc = {"_id": enrolment.id}
        if owner is not None:
            query["lease_owner"] = owner
        with self._errors():
            result = await self._c.replace_one(query, doc)
        return result.matched_count == 1

    async def wake(self, person_id: str, now: datetime) -> int:
        return await self._update_many(
            {"person_id": person_id, "state": "active", "waiting": True, "due_at": {"$gt": now},
             "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]},
            {"$set": {"due_at": now}})

    async def exit_open(self, journey_id: str, *, reason: str, now: datetime) -> int:
        return await self._update_many(
            {"journey_id": journey_id, "state": "active"},
            {"$set": {"state": "exited", "exit_reason": reason, "finished_at": now,
                      "updated_at": now, "lease_owner": None, "lease_until": None,
                      "waiting_since": None, "wait_until": None, "waiting": False}})

    async def migrate(self, journey_id: str, *, version: int, step_ids: Sequence[str],
                      now: datetime) -> int:
        if not step_ids:
            return 0
        return await self._update_many(
            {"journey_id": journey_id, "state": "active", "version": {"$lt": version},
             "step_id": {"$in": list(step_ids)},
             "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]},
            {"$set": {"version": version, "updated_at": now, "lease_owner": None,
                      "lease_until": None}})

    async def count_open_before(self, journey_id: str, version: int) -> int:
        with self._errors():
            return int(await self._c.count_documents(
                {"journey_id": journey_id, "state": {"$in": ["active", "sending"]},
                 "version": {"$lt": version}}))

    async def counts(self, journey_id: str) -> EnrolmentCounts:
        pipeline: list[Doc] = [
            {"$match": {"journey_id": journey_id}},
            {"$group": {"_id": {"state": "$state", "step": "$step_id"}, "n": {"$sum": 1}}}]
        with self._errors():
            cursor = await self._c.aggregate(pipeline)
            rows = await cursor.to_list()
        counts = EnrolmentCounts()
        for row in rows:
            state, step_id, n = row["_id"]["state"], row["_id"].get("step"), int(row["n"])
            counts.by_state[state] = counts.by_state.get(state, 0) + n
            if state in ("active", "sending") and step_id:
                counts.by_step[step_id] = counts.by_step.get(step_id, 0) + n
        return counts


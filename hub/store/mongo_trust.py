"""MongoDB repositories for topics (preference centre) and merge audits (unmerge)."""

from __future__ import annotations

from pymongo import DESCENDING

from hub.domain.merges import MergeRecord
from hub.domain.topics import Topic
from hub.store.mongo_base import CrudRepo


class MongoTopicRepo(CrudRepo[Topic]):
    model = Topic

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Topic]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoMergeRepo(CrudRepo[MergeRecord]):
    model = MergeRecord

    async def for_person(self, person_id: str, *, limit: int = 50) -> list[MergeRecord]:
        if limit < 1:
            return []
        query = {"$or": [{"survivor_id": person_id}, {"duplicate_id": person_id}]}
        return await self._records(query, sort=[("_id", DESCENDING)], limit=limit)

    async def delete_for_person(self, person_id: str) -> int:
        with self._errors():
            result = await self._c.delete_many(
                {"$or": [{"survivor_id": person_id}, {"duplicate_id": person_id}]})
        return result.deleted_count

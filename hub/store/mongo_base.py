"""Shared pieces of the MongoDB backend: error translation and the repository bases.

Every driver call goes through `driver_errors`, so no PyMongo exception leaves the backend:
a unique-index clash becomes `DuplicateKey`, an unreachable or stepping-down server becomes
`StoreUnavailable` (retry), anything else a plain `HubError` naming the collection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, PyMongoError

from hub.domain.common import Record
from hub.errors import DuplicateKey, HubError, NotFound, StoreUnavailable

if TYPE_CHECKING:
    from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]
Query = Mapping[str, Any]
Sort = list[tuple[str, int]]
R = TypeVar("R", bound=Record)

DUPLICATE_KEY_CODE = 11000
BY_ID: Sort = [("_id", ASCENDING)]


@contextmanager
def driver_errors(where: str) -> Iterator[None]:
    """Translate PyMongo errors raised inside the block into the hub's error tree."""
    try:
        yield
    except DuplicateKeyError as e:
        raise DuplicateKey(f"{where}: a unique key is already taken", details=_key_of(e)) from e
    except ConnectionFailure as e:
        raise StoreUnavailable(f"{where}: MongoDB cannot be reached: {e}") from e
    except PyMongoError as e:
        if e.has_error_label("RetryableWriteError"):
            raise StoreUnavailable(f"{where}: MongoDB is not ready: {e}") from e
        raise HubError(f"{where}: MongoDB error: {e}") from e


def _key_of(error: DuplicateKeyError) -> Any:
    """The clashing key as the server reports it (a real server does, mongomock does not)."""
    details = error.details or {}
    return details.get("keyValue")


def name_pattern(text: str) -> Query:
    """Case-insensitive substring match on `name`; the text is escaped, never an operator."""
    return {"name": {"$regex": re.escape(text), "$options": "i"}}


class MongoCollection:
    """One collection and the guarded driver calls the repositories share."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._c = collection

    def _errors(self) -> AbstractContextManager[None]:
        return driver_errors(self._c.name)

    async def _find_docs(self, query: Query, *, sort: Sort = BY_ID, limit: int = 0) -> list[Doc]:
        with self._errors():
            return await self._c.find(query).sort(sort).limit(limit).to_list()

    async def _find_doc(self, query: Query) -> Doc | None:
        with self._errors():
            return await self._c.find_one(query)

    async def _count(self, query: Query) -> int:
        with self._errors():
            return await self._c.count_documents(query)

    async def _update_many(self, query: Query, update: Query) -> int:
        """Apply `update` to every match; returns how many documents matched."""
        with self._errors():
            result = await self._c.update_many(query, update)
        return result.matched_count

    async def _delete_one(self, query: Query) -> bool:
        with self._errors():
            result = await self._c.delete_one(query)
        return result.deleted_count == 1


class PersonLinked(MongoCollection):
    """Documents that carry a `person_id` and follow their person in a merge."""

    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        return await self._update_many(
            {"person_id": from_person_id}, {"$set": {"person_id": to_person_id}}
        )

    async def reassign_ids(self, record_ids: Sequence[str], to_person_id: str) -> int:
        """Move the named documents to a person (an unmerge)."""
        ids = list(record_ids)
        moved = 0
        for start in range(0, len(ids), 500):
            moved += await self._update_many(
                {"_id": {"$in": ids[start:start + 500]}}, {"$set": {"person_id": to_person_id}})
        return moved


class Repo(MongoCollection, Generic[R]):
    """A collection of one record type. Subclasses set `model`; `_id` is the database's own."""

    model: type[R]

    def _to_doc(self, record: R) -> Doc:
        return record.to_doc()

    def _from_doc(self, doc: Doc) -> R:
        doc.pop("_id", None)
        return self.model.model_validate(doc)

    async def _records(self, query: Query, *, sort: Sort = BY_ID, limit: int = 0) -> list[R]:
        return [self._from_doc(doc) for doc in await self._find_docs(query, sort=sort, limit=limit)]

    async def _record(self, query: Query) -> R | None:
        doc = await self._find_doc(query)
        return None if doc is None else self._from_doc(doc)

    async def _insert(self, record: R) -> None:
        with self._errors():
            await self._c.insert_one(self._to_doc(record))

    async def _insert_new(self, records: Sequence[R]) -> int:
        """Bulk insert that skips records whose unique keys are taken; returns how many went in."""
        if not records:
            return 0
        return await self._insert_docs([self._to_doc(record) for record in records])

    async def _insert_docs(self, docs: list[Doc]) -> int:
        """`_insert_new` for documents already in their stored form."""
        if not docs:
            return 0
        with self._errors():
            try:
                result = await self._c.insert_many(docs, ordered=False)
            except BulkWriteError as e:
                errors = e.details.get("writeErrors", [])
                if any(error.get("code") != DUPLICATE_KEY_CODE for error in errors):
                    raise
                return int(e.details.get("nInserted", 0))
        return len(result.inserted_ids)


class RecordRepo(Repo[R]):
    """Records with an `id`, stored as the document's `_id`."""

    def _to_doc(self, record: R) -> Doc:
        doc = record.to_doc()
        doc["_id"] = doc.pop("id")
        return doc

    def _from_doc(self, doc: Doc) -> R:
        doc["id"] = doc.pop("_id")
        return self.model.model_validate(doc)

    async def get(self, record_id: str) -> R | None:
        return await self._record({"_id": record_id})

    async def _page(self, query: Query, *, limit: int, after_id: str | None) -> list[R]:
        """Records matching `query` in id order, after `after_id`; `limit` < 1 gives none."""
        if limit < 1:
            return []  # MongoDB reads limit 0 as "no limit"
        if after_id is not None:
            query = {"$and": [query, {"_id": {"$gt": after_id}}]}
        return await self._records(query, limit=limit)

    async def _replace(self, record: R) -> None:
        """Overwrite the document with the record's id; NotFound when there is none."""
        doc = self._to_doc(record)
        with self._errors():
            result = await self._c.replace_one({"_id": doc["_id"]}, doc)
        if result.matched_count == 0:
            raise NotFound(f"{self._c.name}: no record {doc['_id']}", details={"id": doc["_id"]})


class CrudRepo(RecordRepo[R]):
    """Records that are inserted, replaced whole and deleted by id."""

    async def insert(self, record: R) -> None:
        await self._insert(record)

    async def replace(self, record: R) -> None:
        await self._replace(record)

    async def delete(self, record_id: str) -> bool:
        return await self._delete_one({"_id": record_id})

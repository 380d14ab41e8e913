"""A MOCK of PyMongo's async API, built on `mongomock`, for testing the MongoDB store.

The store contract suite runs the MongoDB backend (`hub/store/mongo*.py`) against mongomock's
in-memory imitation through this adapter (the `mongomock` backend, fast and in process), and
against real servers through `pymongo.AsyncMongoClient`: SecantusDB, started by the suite, and
any MongoDB named by `HUB_TEST_MONGODB_URL`. Those do not use this module.

What it is and is not:
- It mirrors `AsyncMongoClient` / `AsyncDatabase` / `AsyncCollection` / `AsyncCursor` for
  exactly the calls the backend makes, with the same names and keyword arguments. A call
  outside that list fails with AttributeError or TypeError, on purpose.
- Each call runs mongomock's synchronous code to completion. There is no I/O and no
  interleaving, so races between concurrent writers are not exercised here; unique indexes,
  and the DuplicateKeyError / BulkWriteError they raise (pymongo's own classes, which mongomock
  imports), behave as on a server for the cases the backend relies on.
- It adds one behaviour of its own, named here: mongomock 4.3 lacks `$lookup` with a
  `pipeline`, so `_lookup` below runs the correlated form of MongoDB 5.0+ (`localField` and
  `foreignField` *with* a `pipeline`, no `let`) as MongoDB defines it: the foreign documents
  whose `foreignField` equals the local value, then the sub-pipeline over them, by mongomock's
  own stages. Everything else mongomock gets wrong, this gets wrong too.
- `AsyncDatabase.watch` answers as a standalone mongod does (mongomock has no change
  streams, nor has a mongod without a replica set): OperationFailure 40573.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import mongomock
import mongomock.aggregate
import mongomock.helpers
from pymongo import IndexModel, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.errors import OperationFailure
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)

Doc = dict[str, Any]

_MONGOMOCK_LOOKUP: Any = mongomock.aggregate._PIPELINE_HANDLERS["$lookup"]


def _lookup(in_collection: list[Doc], database: Any, options: Mapping[str, Any]) -> list[Doc]:
    """`$lookup`, plus the correlated form with a `pipeline` (MongoDB 5.0+; see the docstring)."""
    if "pipeline" not in options or "let" in options:
        return list(_MONGOMOCK_LOOKUP(in_collection, database, options))
    foreign = database.get_collection(options["from"])
    for doc in in_collection:
        try:
            value = mongomock.helpers.get_value_by_dot(doc, options["localField"])
        except KeyError:
            value = None
        query = {"$in": value} if isinstance(value, list) else value
        matched = list(foreign.find({options["foreignField"]: query}))
        stages = options["pipeline"]
        doc[options["as"]] = list(
            mongomock.aggregate.process_pipeline(matched, database, stages, None))
    return in_collection


mongomock.aggregate._PIPELINE_HANDLERS["$lookup"] = _lookup


class AsyncMongoMockCursor:
    """`AsyncCursor`: chain `sort`, `skip`, `limit`; read with `async for` or `to_list()`."""

    def __init__(self, cursor: Any) -> None:  # mongomock ships no type hints
        self._cursor = cursor

    def sort(self, key_or_list: Sequence[tuple[str, int]]) -> Self:
        self._cursor.sort(list(key_or_list))
        return self

    def skip(self, skip: int) -> Self:
        self._cursor.skip(skip)
        return self

    def limit(self, limit: int) -> Self:
        self._cursor.limit(limit)
        return self

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Doc:
        try:
            return next(self._cursor)
        except StopIteration:
            raise StopAsyncIteration from None

    async def to_list(self, length: int | None = None) -> list[Doc]:
        documents: list[Doc] = []
        async for document in self:
            documents.append(document)
            if length is not None and len(documents) >= length:
                break
        return documents


class AsyncMongoMockCollection:
    """`AsyncCollection`: the same coroutines, run on a mongomock collection."""

    def __init__(self, collection: mongomock.Collection) -> None:
        self._sync = collection

    @property
    def name(self) -> str:
        return str(self._sync.name)

    async def create_index(
        self,
        keys: Sequence[tuple[str, int]],
        *,
        name: str,
        unique: bool = False,
        partialFilterExpression: Mapping[str, Any] | None = None,
    ) -> str:
        return str(
            self._sync.create_index(
                list(keys),
                name=name,
                unique=unique,
                partialFilterExpression=partialFilterExpression,
            )
        )

    async def create_indexes(self, indexes: Sequence[IndexModel]) -> list[str]:
        """One `create_index` per model: mongomock's own `create_indexes` drops
        `partialFilterExpression`."""
        names: list[str] = []
        for model in indexes:
            spec = model.document
            names.append(await self.create_index(
                list(spec["key"].items()), name=spec["name"], unique=spec.get("unique", False),
                partialFilterExpression=spec.get("partialFilterExpression")))
        return names

    async def index_information(self) -> dict[str, Any]:
        return dict(self._sync.index_information())

    async def insert_one(self, document: Doc) -> InsertOneResult:
        return self._sync.insert_one(document)

    async def insert_many(
        self, documents: Sequence[Doc], *, ordered: bool = True
    ) -> InsertManyResult:
        return self._sync.insert_many(list(documents), ordered=ordered)

    async def find_one(self, filter: Mapping[str, Any]) -> Doc | None:
        return self._sync.find_one(filter)

    def find(self, filter: Mapping[str, Any],
             projection: Mapping[str, Any] | None = None) -> AsyncMongoMockCursor:
        return AsyncMongoMockCursor(self._sync.find(filter, projection))

    async def count_documents(self, filter: Mapping[str, Any]) -> int:
        return int(self._sync.count_documents(filter))

    async def update_one(
        self, filter: Mapping[str, Any], update: Mapping[str, Any], *, upsert: bool = False
    ) -> UpdateResult:
        return self._sync.update_one(filter, update, upsert=upsert)

    async def update_many(
        self, filter: Mapping[str, Any], update: Mapping[str, Any]
    ) -> UpdateResult:
        return self._sync.update_many(filter, update)

    async def replace_one(
        self, filter: Mapping[str, Any], replacement: Doc, *, upsert: bool = False
    ) -> UpdateResult:
        return self._sync.replace_one(filter, replacement, upsert=upsert)

    async def bulk_write(self, requests: Sequence[ReplaceOne | UpdateOne | UpdateMany], *,
                         ordered: bool = True) -> BulkWriteResult:
        """ReplaceOne, UpdateOne and UpdateMany requests, one mongomock call each (mongomock's
        own bulk_write does not take the operations of PyMongo 4.9+)."""
        matched = upserted = 0
        for request in requests:
            upsert = bool(request._upsert)
            if isinstance(request, ReplaceOne):
                result = self._sync.replace_one(request._filter, request._doc, upsert=upsert)
            elif isinstance(request, UpdateOne):
                result = self._sync.update_one(request._filter, request._doc, upsert=upsert)
            else:
                result = self._sync.update_many(request._filter, request._doc, upsert=upsert)
            matched += result.matched_count
            upserted += 1 if result.upserted_id is not None else 0
        return BulkWriteResult({"nMatched": matched, "nModified": matched,
                                "nUpserted": upserted, "upserted": []}, acknowledged=True)

    async def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        *,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
        sort: Sequence[tuple[str, int]] | None = None,
    ) -> Doc | None:
        return self._sync.find_one_and_update(
            filter, update, upsert=upsert, return_document=return_document,
            sort=None if sort is None else list(sort),
        )

    async def distinct(self, key: str, filter: Mapping[str, Any] | None = None) -> list[Any]:
        return list(self._sync.distinct(key, filter))

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]],
                        maxTimeMS: int | None = None) -> AsyncMongoMockCursor:
        """mongomock has no time limit: `maxTimeMS` is accepted and not enforced."""
        return AsyncMongoMockCursor(self._sync.aggregate(list(pipeline)))

    async def delete_one(self, filter: Mapping[str, Any]) -> DeleteResult:
        return self._sync.delete_one(filter)

    async def delete_many(self, filter: Mapping[str, Any]) -> DeleteResult:
        return self._sync.delete_many(filter)


class AsyncMongoMockDatabase:
    """`AsyncDatabase`: collections by name, and the `ping` command."""

    def __init__(self, client: AsyncMongoMockClient, database: mongomock.Database) -> None:
        self.client = client
        self._sync = database

    @property
    def name(self) -> str:
        return str(self._sync.name)

    def __getitem__(self, name: str) -> AsyncMongoMockCollection:
        return AsyncMongoMockCollection(self._sync[name])

    async def command(self, command: str) -> Doc:
        return dict(self._sync.command(command))

    async def watch(self, pipeline: Sequence[Mapping[str, Any]] | None = None,
                    **options: Any) -> Any:
        raise OperationFailure(
            "The $changeStream stage is only supported on replica sets", code=40573)


class AsyncMongoMockClient:
    """`AsyncMongoClient(tz_aware=True)` over one in-memory mongomock server."""

    def __init__(self) -> None:
        self._sync: Any = mongomock.MongoClient(tz_aware=True)

    def __getitem__(self, name: str) -> AsyncMongoMockDatabase:
        return AsyncMongoMockDatabase(self, self._sync[name])

    async def close(self) -> None:
        self._sync.close()

"""Quarantine unique on the raw bytes' sha256: a database from an older release that holds the
same raw mail twice opens with one entry for it (the one a retry resolved, else the oldest),
by SQLite migration 5 and by the Mongo backend's start-up."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hub.domain.common import new_id
from hub.domain.quarantine import QuarantineEntry
from hub.errors import DuplicateKey
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate

V4 = 4


def held(raw: bytes, **fields: object) -> QuarantineEntry:
    sha = hashlib.sha256(raw).hexdigest()
    return QuarantineEntry.model_validate({"id": new_id(), "source": "mta", "reason": "no From",
                                           "size": len(raw), "sha256": sha, "blob_key": sha,
                                           **fields})


async def test_duplicates_from_version_4_are_merged_into_one(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    a1, a2, a3 = held(b"a"), held(b"a", status="resolved", event_id="e1"), held(b"a")
    b1, b2 = held(b"b"), held(b"b", status="failed_again")
    c1 = held(b"c")
    db = await Database.connect(str(path))
    try:
        assert await migrate(db, MIGRATIONS[:V4]) == V4
        for entry in (a1, a2, a3, b1, b2, c1):
            await db.run("INSERT INTO quarantine (id, status, doc) VALUES (?, ?, ?)",
                         (entry.id, entry.status, entry.model_dump_json(by_alias=True)))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        kept = {e.id for e in await store.quarantine.find()}
        assert kept == {a2.id, b1.id, c1.id}
        found = await store.quarantine.get_by_sha256(a1.sha256)
        assert found is not None and found.id == a2.id
        with pytest.raises(DuplicateKey):
            await store.quarantine.insert(held(b"c"))
    finally:
        await store.close()


async def test_mongo_duplicates_from_an_older_release_are_merged_on_start() -> None:
    """The same upgrade on the Mongo backend (over the mongomock of tests/support): the unique
    index is created after duplicates already held are merged."""
    from hub.store.mongo import open_mongo_database_store
    from tests.support.async_mongomock import AsyncMongoMockClient

    database = AsyncMongoMockClient()[f"hub_{new_id()}"]
    a1, a2, b1 = held(b"a"), held(b"a", status="resolved", event_id="e1"), held(b"b")
    for entry in (a1, a2, b1):
        doc = entry.to_doc()  # as the Mongo backend stores a record: `id` is `_id`
        doc["_id"] = doc.pop("id")
        await database["quarantine"].insert_one(doc)
    store = await open_mongo_database_store(database)
    try:
        assert {e.id for e in await store.quarantine.find()} == {a2.id, b1.id}
        with pytest.raises(DuplicateKey):
            await store.quarantine.insert(held(b"b"))
    finally:
        await store.close()

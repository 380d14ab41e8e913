"""A database from a release before staff search opens with every person, household,
organisation and address already in the search index: by the SQLite migration that adds
the search tables (the last one) and by the Mongo backend's start-up backfill."""

from __future__ import annotations

from pathlib import Path

from hub.domain.common import new_id
from hub.domain.identities import Identity
from hub.domain.parties import Address, Household, Person
from hub.ports import Store
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from hub.store.sqlite_search import migrate_search

BEFORE_SEARCH = MIGRATIONS.index(migrate_search)

INGRID = Person(id=new_id(), name="Ingrid Willems", emails=["ingrid@example.nl"],
                phones=["+31643056562"])
MERGED = Person(id=new_id(), name="Ingrid Dubbel", merged_into=INGRID.id)
HOME = Household(id=new_id(), name="Huishouden Willems", address=Address(postcode="1234 AB"))
ADDRESSES = [Identity(kind="email", value="ingrid@example.nl", person_id=INGRID.id),
             Identity(kind="phone", value="+31643056562", person_id=INGRID.id)]


async def _assert_found(store: Store) -> None:
    assert await store.search.phone_suffix("6562", limit=5) == [INGRID.id]
    assert await store.search.containing("person", ["example"], limit=5) == [INGRID.id]
    assert await store.search.containing("person", ["ingrid"], limit=5) == [INGRID.id]
    assert [i for i, _ in await store.search.similar_names(
        "person", [["wilems"]], limit=5)] == [INGRID.id]
    assert await store.search.containing("household", ["1234ab"], limit=5) == [HOME.id]


async def test_sqlite_migration_indexes_what_is_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = await Database.connect(str(path))
    try:
        assert await migrate(db, MIGRATIONS[:BEFORE_SEARCH]) == BEFORE_SEARCH
        for person in (INGRID, MERGED):
            await db.run("INSERT INTO persons (id, name_lower, household_id, active, doc) "
                         "VALUES (?, ?, NULL, ?, ?)", (person.id, person.name.lower(),
                                                       int(person.is_active),
                                                       person.model_dump_json()))
        await db.run("INSERT INTO households (id, name_lower, doc) VALUES (?, ?, ?)",
                     (HOME.id, HOME.name.lower(), HOME.model_dump_json()))
        for identity in ADDRESSES:
            await db.run("INSERT INTO identities (kind, value, person_id, doc) "
                         "VALUES (?, ?, ?, ?)", (identity.kind, identity.value,
                                                 identity.person_id, identity.model_dump_json()))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        await _assert_found(store)
        assert await store.search.containing("person", ["dubbel"], limit=5) == []
    finally:
        await store.close()


async def test_mongo_start_up_indexes_what_is_already_stored() -> None:
    from hub.store.mongo import open_mongo_database_store
    from tests.support.async_mongomock import AsyncMongoMockClient

    database = AsyncMongoMockClient()[f"hub_{new_id()}"]
    for collection, record in (("persons", INGRID), ("persons", MERGED),
                               ("households", HOME)):
        doc = record.to_doc()  # as an older release stored it: no `search` field
        doc["_id"] = doc.pop("id")
        await database[collection].insert_one(doc)
    for identity in ADDRESSES:
        await database["identities"].insert_one(identity.to_doc())
    store = await open_mongo_database_store(database)
    try:
        await _assert_found(store)
        assert await store.search.containing("person", ["dubbel"], limit=5) == []
    finally:
        await store.close()

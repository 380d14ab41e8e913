"""The segment-columns migration on a file written before it: the persons' demographic
columns, the households' city and the tag rows are backfilled from the stored documents, and
the counts that read them agree with what the documents say; later writes keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from hub.domain.common import new_id
from hub.domain.parties import Address, Household, Person
from hub.domain.segments import parse_filter, plan
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_base import dump
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from hub.store.sqlite_segment_columns import SEGMENT_COLUMNS
from tests.support.old_rows import insert_old_person

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def test_the_migration_backfills_columns_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    home = Household(id=new_id(), name="Thuis", address=Address(city="Utrecht"))
    anna = Person(id=new_id(), name="Anna", household_id=home.id, gender="female",
                  birth_date=date(1990, 1, 1), language="nl", tags=["vip", "vip", "b"])
    bert = Person(id=new_id(), name="Bert", customer_status="customer", tags=["b"])
    gone = Person(id=new_id(), name="Gone", merged_into=anna.id, tags=["vip"])
    db = await Database.connect(str(path))
    try:
        await migrate(db, MIGRATIONS[:MIGRATIONS.index(SEGMENT_COLUMNS)])
        await db.run("INSERT INTO households (id, name_lower, doc) VALUES (?, ?, ?)",
                     (home.id, home.name.lower(), dump(home)))
        for person in (anna, bert, gone):
            await insert_old_person(db, person)
    finally:
        await db.close()

    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        columns = await store._db.rows(
            "SELECT id, gender, birth_date, language, customer_status FROM persons")
        assert sorted(columns) == sorted([
            (anna.id, "female", "1990-01-01", "nl", "prospect"),
            (bert.id, None, None, None, "customer"),
            (gone.id, None, None, None, "prospect")])
        tags = await store._db.rows("SELECT tag, person_id FROM person_tags")
        assert sorted(tags) == sorted([("vip", anna.id), ("b", anna.id), ("b", bert.id),
                                       ("vip", gone.id)])

        async def names(filter_: dict[str, object]) -> set[str]:
            predicate = plan(parse_filter(filter_), NOW)
            found = {p.name for p in await store.persons.find_matching(predicate)}
            assert await store.persons.count_matching(predicate) == len(found)
            return found

        assert await names({"field": "tags", "op": "contains", "value": "vip"}) == {"Anna"}
        assert await names({"all": [{"field": "tags", "op": "nin", "value": ["vip"]},
                                    {"field": "customer_status", "op": "eq",
                                     "value": "customer"}]}) == {"Bert"}
        assert await names({"field": "household.address.city", "op": "eq",
                            "value": "Utrecht"}) == {"Anna"}
        assert await names({"all": [{"field": "age", "op": "gte", "value": 30},
                                    {"field": "gender", "op": "eq", "value": "female"},
                                    {"field": "language", "op": "eq", "value": "nl"}]}) == {
            "Anna"}
        # and a write after the migration keeps the tag rows (the triggers)
        await store.persons.replace(bert.model_copy(update={"tags": ["vip"]}))
        assert await names({"field": "tags", "op": "contains", "value": "vip"}) == {
            "Anna", "Bert"}
    finally:
        await store.close()

"""SQLite repositories for the relationship model: persons, households, organisations, roles
and the identities (addresses) that point at persons."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.search import PartyKind, reversed_digits
from hub.domain.segments import Cmp, Predicate
from hub.errors import NotFound
from hub.store.sqlite_base import (
    LIKE_ESCAPE,
    DocTable,
    contains_pattern,
    dump,
    reassign_person_sql,
)
from hub.store.sqlite_db import Database
from hub.store.sqlite_person_facts import CONSENT_COLUMNS, TIER_COLUMN, stored_tier
from hub.store.sqlite_reader import Reader
from hub.store.sqlite_search import (
    add_email_now,
    forget_erased,
    index_party,
    index_party_now,
    move_emails,
    remove_email,
    remove_emails,
    unindex_party,
)
from hub.store.sqlite_segment_columns import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    household_columns,
    person_columns,
)
from hub.store.sqlite_segments import (
    DENSE_SHARE,
    compile_predicate,
    count_query,
    fact_comparisons,
    fact_count_query,
)

N = TypeVar("N", Person, Household, Organisation)

ACTIVE = "active = 1"
"""Persons that are neither merged into another nor erased."""

GET_MANY_CHUNK = 500
"""Ids per `IN (…)` list, well below SQLite's bound-parameter limit."""


async def _in_chunks(table: DocTable[Any], column: str, values: Sequence[str]) -> list[Any]:
    """Records whose `column` is one of `values`, a chunk of ids per query, in id order."""
    keys = sorted(set(values))
    found: list[Any] = []
    for start in range(0, len(keys), GET_MANY_CHUNK):
        chunk = keys[start : start + GET_MANY_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        found += await table._select([f"{column} IN ({marks})"], chunk)
    if len(keys) > GET_MANY_CHUNK and column != "id":
        found.sort(key=lambda record: record.id)
    return found


class NamedTable(DocTable[N]):
    """A table with a `name_lower` column that `find(name_contains=…)` searches."""

    active_only: ClassVar[bool] = False

    async def get_many(self, record_ids: Sequence[str]) -> list[N]:
        """The records that exist among `record_ids` (any state), in id order."""
        return await _in_chunks(self, "id", record_ids)

    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[N]:
        conditions: list[str] = [ACTIVE] if self.active_only else []
        params: list[Any] = []
        if name_contains:
            conditions.append(f"name_lower LIKE ? ESCAPE '{LIKE_ESCAPE}'")
            params.append(contains_pattern(name_contains))
        return await self._select(conditions, params, limit=limit, after_id=after_id)


class SearchedTable(NamedTable[N]):
    """Writes that keep the party's search rows (`sqlite_search`) in the same transaction."""

    search_kind: ClassVar[PartyKind]

    async def insert(self, record: N) -> None:
        """The record and its search rows in one transaction, one hop to SQLite's thread (a
        new sender of an inbound message creates a person)."""
        row = self._row(record)

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(self._insert_sql, row)
            index_party_now(conn, self.search_kind, record)

        await self._db.atomically(work)

    async def replace(self, record: N) -> None:
        record_id, *rest = self._row(record)
        async with self._db.transaction() as session:
            if not await session.run(self._update_sql, (*rest, record_id)):
                kind = self.model.__name__.lower()
                raise NotFound(f"no {kind} with id {record_id}", details={"id": record_id})
            await index_party(session, self.search_kind, record)
            if isinstance(record, Person) and record.erased_at is not None:
                await forget_erased(session)


class AddressedTable(SearchedTable[N]):
    """Households and organisations: also found by postcode (a scan of the JSON documents;
    these tables are small next to persons and events, and no schema change is needed)."""

    async def with_postcode(self, postcode: str, *, limit: int = 50) -> list[N]:
        wanted = "".join(postcode.split()).upper()
        if not wanted:
            return []
        return await self._select(
            ["replace(upper(json_extract(doc, '$.address.postcode')), ' ', '') = ?"], [wanted],
            limit=limit)


class SqlitePersons(SearchedTable[Person]):
    table = "persons"
    model = Person
    columns = ("name_lower", "household_id", "active", *CONSENT_COLUMNS.values(), TIER_COLUMN,
               *PERSON_COLUMNS.values())
    active_only = True
    search_kind = "person"

    def __init__(self, db: Database, reader: Reader | None = None) -> None:
        super().__init__(db)
        self._reader = reader

    def indexed(self, record: Person) -> tuple[Any, ...]:
        return (record.name.lower(), record.household_id, int(record.is_active),
                *(record.consent_for(channel).status for channel in CONSENT_COLUMNS),
                stored_tier(record.attributes), *person_columns(record))

    async def _read(self, sql: str, params: list[Any],
                    budget: float | None) -> list[tuple[Any, ...]]:
        """A filter's rows: off the main connection (the reader) when there is one."""
        if self._reader is None:
            return await self._db.rows(sql, params)
        return await self._reader.rows(sql, params, budget=budget)

    async def delete(self, person_id: str) -> bool:
        async with self._db.transaction() as session:
            await unindex_party(session, "person", person_id)
            return bool(await session.run("DELETE FROM persons WHERE id = ?", (person_id,)))

    async def in_household(self, household_id: str) -> list[Person]:
        return await self._select(["household_id = ?", ACTIVE], [household_id])

    async def count(self) -> int:
        return await self._count([ACTIVE])

    async def dense_facts(self, predicate: Predicate,
                          budget: float | None = None) -> frozenset[Cmp]:
        """The contact-fact comparisons of `predicate` that hold many of the persons (counted
        on the fact's index, a few milliseconds each): the compiler probes those per person
        rather than gathering their persons first (`sqlite_segments.DENSE_SHARE`)."""
        facts = fact_comparisons(predicate)
        if not facts:
            return frozenset()
        # the highest rowid: the number of persons ever stored, without counting them
        persons = (await self._read("SELECT max(rowid) FROM persons", [], budget))[0][0] or 0
        dense = set()
        for cmp in facts:
            sql, params = fact_count_query(cmp)
            if (await self._read(sql, params, budget))[0][0] * DENSE_SHARE > persons:
                dense.add(cmp)
        return frozenset(dense)

    async def count_statement(self, predicate: Predicate,
                              budget: float | None = None) -> tuple[str, list[Any]]:
        """The statement `count_matching` runs, and its parameters."""
        return count_query(predicate, await self.dense_facts(predicate, budget))

    async def count_matching(self, predicate: Predicate, *, budget: float | None = None) -> int:
        sql, params = await self.count_statement(predicate, budget)
        return int((await self._read(sql, params, budget))[0][0])

    async def find_matching(
        self, predicate: Predicate, *, limit: int = 50, after_id: str | None = None,
        budget: float | None = None,
    ) -> list[Person]:
        condition, params = compile_predicate(
            predicate, dense=await self.dense_facts(predicate, budget))
        sql = f"SELECT p.doc FROM persons p WHERE p.active = 1 AND {condition}"
        if after_id is not None:
            sql += " AND p.id > ?"
            params.append(after_id)
        sql += " ORDER BY p.id LIMIT ?"
        params.append(max(0, limit))
        return [self._load(doc) for (doc,) in await self._read(sql, params, budget)]

    async def matching_ids(self, predicate: Predicate, person_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(person_ids))
        if not wanted:
            return set()
        condition, params = compile_predicate(predicate, per_person=True)
        marks = ", ".join("?" for _ in wanted)
        sql = (f"SELECT p.id FROM persons p WHERE p.id IN ({marks}) AND p.active = 1 "
               f"AND {condition}")
        return {row[0] for row in await self._db.rows(sql, [*wanted, *params])}


class SqliteHouseholds(AddressedTable[Household]):
    table = "households"
    model = Household
    columns = ("name_lower", *HOUSEHOLD_COLUMNS.values())
    search_kind = "household"

    def indexed(self, record: Household) -> tuple[Any, ...]:
        return (record.name.lower(), *household_columns(record))


class SqliteOrganisations(AddressedTable[Organisation]):
    table = "organisations"
    model = Organisation
    columns = ("name_lower",)
    search_kind = "organisation"

    def indexed(self, record: Organisation) -> tuple[Any, ...]:
        return (record.name.lower(),)


class SqliteRoles(DocTable[Role]):
    table = "roles"
    model = Role
    columns = ("person_id", "organisation_id")

    def indexed(self, record: Role) -> tuple[Any, ...]:
        return (record.person_id, record.organisation_id)

    async def delete(self, role_id: str) -> bool:
        return await self._delete(role_id)

    async def for_person(self, person_id: str) -> list[Role]:
        return await self._select(["person_id = ?"], [person_id])

    async def for_persons(self, person_ids: Sequence[str]) -> list[Role]:
        return await _in_chunks(self, "person_id", person_ids)

    async def for_organisation(
        self, organisation_id: str, *, limit: int = 50, after_id: str | None = None
    ) -> list[Role]:
        return await self._select(
            ["organisation_id = ?"], [organisation_id], limit=limit, after_id=after_id
        )

    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        return await self._reassign_person(from_person_id, to_person_id)


class SqliteIdentities:
    """Keyed by (kind, value), the table's primary key: the database refuses a second owner."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _load_all(rows: list[tuple[Any, ...]]) -> list[Identity]:
        identities = [Identity.model_validate_json(doc) for (doc,) in rows]
        return sorted(identities, key=lambda identity: (identity.kind, identity.value))

    async def insert(self, identity: Identity) -> None:
        """The identity and its search row in one transaction, one hop to SQLite's thread."""
        suffix = reversed_digits(identity.value) if identity.kind == "phone" else None
        row = (identity.kind, identity.value, identity.person_id, dump(identity), suffix)

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO identities (kind, value, person_id, doc, phone_suffix) "
                         "VALUES (?, ?, ?, ?, ?)", row)
            if identity.kind == "email":
                add_email_now(conn, identity)

        await self._db.atomically(work)

    async def get(self, kind: AddressKind, value: str) -> Identity | None:
        doc = await self._db.value(
            "SELECT doc FROM identities WHERE kind = ? AND value = ?", (kind, value)
        )
        return None if doc is None else Identity.model_validate_json(doc)

    async def for_person(self, person_id: str) -> list[Identity]:
        """A person's addresses, by kind then value."""
        rows = await self._db.rows("SELECT doc FROM identities WHERE person_id = ?", (person_id,))
        return self._load_all(rows)

    async def delete(self, kind: AddressKind, value: str) -> bool:
        async with self._db.transaction() as session:
            owners = await session.rows(
                "DELETE FROM identities WHERE kind = ? AND value = ? RETURNING person_id",
                (kind, value))
            if kind == "email":
                for (person_id,) in owners:
                    await remove_email(session, person_id, value)
        return bool(owners)

    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        async with self._db.transaction() as session:
            await move_emails(session, from_person_id, to_person_id)
            return await session.run(
                reassign_person_sql("identities"), (to_person_id, to_person_id, from_person_id)
            )

    async def delete_for_person(self, person_id: str) -> list[Identity]:
        async with self._db.transaction() as session:
            rows = await session.rows(
                "DELETE FROM identities WHERE person_id = ? RETURNING doc", (person_id,)
            )
            await remove_emails(session, person_id)
        return self._load_all(rows)

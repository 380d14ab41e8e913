"""SQLite side of the contact import's chunks (`ContactBatchRepo`): one query per kind of
look-up, and the whole chunk written in one transaction on the connection's own thread, one
`executemany` per table, with the search rows the single-record writes keep."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Household
from hub.domain.search import PartyKind, fold, reversed_digits
from hub.errors import NotFound
from hub.ports import ContactBatch
from hub.store.sqlite_base import DocTable, dump
from hub.store.sqlite_db import Database
from hub.store.sqlite_events import SqliteEvents
from hub.store.sqlite_parties import SqliteHouseholds, SqliteOrganisations, SqlitePersons
from hub.store.sqlite_search import INSERT_KEY, Party, _party_rows

CHUNK = 500
"""Values per `IN (…)` list, well below SQLite's bound-parameter limit."""
INSERT_IDENTITY = ("INSERT INTO identities (kind, value, person_id, doc, phone_suffix) "
                   "VALUES (?, ?, ?, ?, ?)")
# The search rows go in as one statement per chunk (rows from a JSON array), not one per row:
# FTS5 flushes its pending terms at every statement's savepoint, so a statement per row left a
# tiny segment per row to merge; one statement costs a tenth (bench/import_contacts.py).
INSERT_TEXTS = ("INSERT INTO search_text (owner_kind, owner_id, field, text) "
                "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)")
UNINDEX_PERSONS = ("DELETE FROM search_text WHERE owner_kind = 'person' AND field != 'email' "
                   "AND owner_id IN (SELECT value FROM json_each(?))")
UNKEY_PERSONS = ("DELETE FROM search_keys WHERE owner_kind = 'person' "
                 "AND owner_id IN (SELECT value FROM json_each(?))")
PUT_STATE = ("INSERT INTO channel_state (key, doc) VALUES (?, ?) "
             "ON CONFLICT (key) DO UPDATE SET doc = excluded.doc")


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[start:start + CHUNK] for start in range(0, len(values), CHUNK)]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _search_rows(kind: PartyKind, parties: Sequence[Party]
                 ) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str]]]:
    texts: list[tuple[str, str, str, str]] = []
    keys: list[tuple[str, str, str]] = []
    for party in parties:
        party_texts, party_keys = _party_rows(party)
        texts += [(kind, party.id, field, text) for field, text in party_texts]
        keys += [(key, kind, party.id) for key in party_keys]
    return texts, keys


class SqliteContactBatches:
    def __init__(self, db: Database, persons: SqlitePersons, households: SqliteHouseholds,
                 organisations: SqliteOrganisations, roles: DocTable[Any],
                 events: SqliteEvents) -> None:
        self._db = db
        self._persons = persons
        self._households = households
        self._organisations = organisations
        self._roles = roles
        self._events = events

    async def owners(self, addresses: Sequence[tuple[AddressKind, str]]) -> list[Identity]:
        found: list[Identity] = []
        for kind in ("email", "phone"):
            values = sorted({value for k, value in addresses if k == kind})
            for chunk in _chunks(values):
                rows = await self._db.rows(
                    f"SELECT doc FROM identities WHERE kind = ? AND value IN ({_marks(chunk)})",
                    (kind, *chunk))
                found += [Identity.model_validate_json(doc) for (doc,) in rows]
        return found

    async def suppressed(self, hashes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(hashes))):
            rows = await self._db.rows(
                f"SELECT hash FROM suppressions WHERE hash IN ({_marks(chunk)})", chunk)
            found.update(row[0] for row in rows)
        return found

    async def states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(keys))):
            rows = await self._db.rows(
                f"SELECT key, doc FROM channel_state WHERE key IN ({_marks(chunk)})", chunk)
            found.update((key, dict(json.loads(doc))) for key, doc in rows)
        return found

    async def households_with_postcodes(self, postcodes: Sequence[str]) -> list[Household]:
        wanted = sorted({"".join(p.split()).upper() for p in postcodes} - {""})
        found: list[Household] = []
        for chunk in _chunks(wanted):
            found += await self._households._select(
                [f"replace(upper(json_extract(doc, '$.address.postcode')), ' ', '') "
                 f"IN ({_marks(chunk)})"], chunk)
        return found

    async def write(self, batch: ContactBatch) -> bool:
        if not batch:
            return True
        return await self._db.atomically(lambda conn: self._write(conn, batch))

    def _taken(self, conn: sqlite3.Connection, identities: Sequence[Identity]) -> set[
            tuple[str, str]] | None:
        """The batch's addresses its persons hold already; None when another person holds
        one of them."""
        wanted = {(i.kind, i.value): i.person_id for i in identities}
        held: set[tuple[str, str]] = set()
        for kind in ("email", "phone"):
            values = sorted(v for k, v in wanted if k == kind)
            for chunk in _chunks(values):
                rows = conn.execute(
                    f"SELECT value, person_id FROM identities WHERE kind = ? "
                    f"AND value IN ({_marks(chunk)})", (kind, *chunk)).fetchall()
                for value, person_id in rows:
                    if wanted[(kind, value)] != person_id:
                        return None
                    held.add((kind, value))
        return held

    def _write(self, conn: sqlite3.Connection, batch: ContactBatch) -> bool:
        held = self._taken(conn, batch.identities)
        if held is None:
            return False
        persons, households, organisations = self._persons, self._households, self._organisations
        conn.executemany(persons._insert_sql, [persons._row(p) for p in batch.new_persons])
        for person in batch.changed_persons:
            person_id, *rest = persons._row(person)
            if not conn.execute(persons._update_sql, (*rest, person_id)).rowcount:
                raise NotFound(f"no person with id {person_id}", details={"id": person_id})
        if batch.changed_persons:
            changed_ids = json.dumps([p.id for p in batch.changed_persons])
            conn.execute(UNINDEX_PERSONS, (changed_ids,))
            conn.execute(UNKEY_PERSONS, (changed_ids,))
        texts, keys = _search_rows("person", [*batch.new_persons, *batch.changed_persons])
        new = [i for i in batch.identities if (i.kind, i.value) not in held]
        conn.executemany(INSERT_IDENTITY, [
            (i.kind, i.value, i.person_id, dump(i),
             reversed_digits(i.value) if i.kind == "phone" else None) for i in new])
        texts += [("person", i.person_id, "email", fold(i.value)) for i in new
                  if i.kind == "email"]
        conn.executemany(self._roles._insert_sql, [self._roles._row(r) for r in batch.roles])
        for table, kind, parties in ((households, "household", batch.households),
                                     (organisations, "organisation", batch.organisations)):
            conn.executemany(table._insert_sql, [table._row(p) for p in parties])  # type: ignore
            party_texts, party_keys = _search_rows(kind, parties)  # type: ignore[arg-type]
            texts += party_texts
            keys += party_keys
        if texts:
            conn.execute(INSERT_TEXTS, (json.dumps(texts),))
        conn.executemany(INSERT_KEY, sorted(keys))  # in key order: B-tree pages stay warm
        conn.executemany(PUT_STATE, [(key, json.dumps(value))
                                     for key, value in batch.states.items()])
        conn.executemany(self._events._append_sql, [self._events._row(e) for e in batch.events])
        return True


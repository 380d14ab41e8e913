"""The SQLite side of staff search: the tables (one migration), their upkeep inside the
writes of persons, households, organisations and identities, and the `SearchRepo` reads.

- `search_text` holds each searchable text folded (a party's name; a person's email
  addresses; a household's or organisation's postcode without spaces), and `search_fts`,
  an FTS5 index with the trigram tokenizer over it (external content, kept in step by
  triggers), finds "contains" of three characters or more without reading every row.
- `search_keys` holds the one-deletion forms of name words (`hub.domain.search.name_keys`).
- `identities.phone_suffix` holds a phone's E.164 digits reversed, with an index, so "ends
  with 6562" is a range scan.

Rows of a person exist only while the person is active: a replace that merges or erases them
deletes the rows, and an erasure also merges the FTS segments (`optimize`), so no trigram of
an erased name stays in the index's pages.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from hub.domain.identities import Identity
from hub.domain.parties import Household, Organisation, Person
from hub.domain.search import (
    MIN_KEYED_WORD,
    PartyKind,
    compact_postcode,
    fold,
    name_keys,
    reversed_digits,
    suffix_range,
)
from hub.store.sqlite_db import Database, Session

Party = Person | Household | Organisation

V6_SEARCH: tuple[str, ...] = (
    """CREATE TABLE search_text (
        id INTEGER PRIMARY KEY,
        owner_kind TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        field TEXT NOT NULL,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX search_text_owner ON search_text (owner_kind, owner_id, field)",
    """CREATE VIRTUAL TABLE search_fts USING fts5 (
        text, content='search_text', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER search_text_insert AFTER INSERT ON search_text BEGIN
        INSERT INTO search_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER search_text_delete AFTER DELETE ON search_text BEGIN
        INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER search_text_update AFTER UPDATE OF text ON search_text BEGIN
        INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO search_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TABLE search_keys (
        key TEXT NOT NULL,
        owner_kind TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        PRIMARY KEY (key, owner_kind, owner_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX search_keys_owner ON search_keys (owner_kind, owner_id)",
    "ALTER TABLE identities ADD COLUMN phone_suffix TEXT",
    """CREATE INDEX identities_phone_suffix ON identities (phone_suffix, person_id)
        WHERE phone_suffix IS NOT NULL""",
)

async def migrate_search(session: Session) -> None:
    """Create the search tables and index every row already stored (rows built in Python,
    written with one executemany per table: a few seconds for 100,000 persons)."""
    for statement in V6_SEARCH:
        await session.run(statement)
    texts: list[tuple[str, str, str, str]] = []
    keys: list[tuple[str, str, str]] = []
    for kind, table, model in (("person", "persons", Person),
                               ("household", "households", Household),
                               ("organisation", "organisations", Organisation)):
        for (doc,) in await session.rows(f"SELECT doc FROM {table}"):
            party = model.model_validate_json(doc)
            party_texts, party_keys = _party_rows(party)
            texts += [(kind, party.id, field, text) for field, text in party_texts]
            keys += [(key, kind, party.id) for key in party_keys]
    suffixes: list[tuple[str, str]] = []
    for (doc,) in await session.rows("SELECT doc FROM identities"):
        identity = Identity.model_validate_json(doc)
        if identity.kind == "phone":
            suffixes.append((reversed_digits(identity.value), identity.value))
        else:
            texts.append(("person", identity.person_id, "email", fold(identity.value)))
    await session.run_many(INSERT_TEXT, texts)
    await session.run_many(INSERT_KEY, keys)
    await session.run_many(
        "UPDATE identities SET phone_suffix = ? WHERE kind = 'phone' AND value = ?", suffixes)


INSERT_TEXT = "INSERT INTO search_text (owner_kind, owner_id, field, text) VALUES (?, ?, ?, ?)"
INSERT_KEY = "INSERT OR IGNORE INTO search_keys (key, owner_kind, owner_id) VALUES (?, ?, ?)"


def _party_rows(party: Party) -> tuple[list[tuple[str, str]], list[str]]:
    """A party's (field, folded text) rows and name keys; none for a merged or erased person."""
    if isinstance(party, Person) and not party.is_active:
        return [], []
    texts = [("name", fold(party.name))]
    if not isinstance(party, Person):
        texts.append(("postcode", compact_postcode(party.address.postcode)))
    return [(field, text) for field, text in texts if text], name_keys(party.name)


async def unindex_party(session: Session, kind: PartyKind, party_id: str) -> None:
    """Drop a party's name (and postcode) rows and keys; its email rows stay (identities)."""
    await session.run(
        "DELETE FROM search_text WHERE owner_kind = ? AND owner_id = ? AND field != 'email'",
        (kind, party_id))
    await session.run(
        "DELETE FROM search_keys WHERE owner_kind = ? AND owner_id = ?", (kind, party_id))


async def index_party(session: Session, kind: PartyKind, party: Party) -> None:
    """(Re)write a party's rows: none for a merged or erased person."""
    await unindex_party(session, kind, party.id)
    texts, keys = _party_rows(party)
    await session.run_many(INSERT_TEXT, [(kind, party.id, field, text) for field, text in texts])
    await session.run_many(INSERT_KEY, [(key, kind, party.id) for key in keys])


def _email_row(identity: Identity) -> tuple[str, str, str, str]:
    return ("person", identity.person_id, "email", fold(identity.value))


def index_party_now(conn: sqlite3.Connection, kind: PartyKind, party: Party) -> None:
    """`index_party` on the connection's own thread (inside `Database.atomically`): the
    same statements, without a hop to that thread for each."""
    texts, keys = _party_rows(party)
    conn.execute("DELETE FROM search_text WHERE owner_kind = ? AND owner_id = ? "
                 "AND field != 'email'", (kind, party.id))
    conn.execute("DELETE FROM search_keys WHERE owner_kind = ? AND owner_id = ?",
                 (kind, party.id))
    conn.executemany(INSERT_TEXT, [(kind, party.id, field, text) for field, text in texts])
    conn.executemany(INSERT_KEY, [(key, kind, party.id) for key in keys])


def add_email_now(conn: sqlite3.Connection, identity: Identity) -> None:
    """A person's new email address, searchable (inside `Database.atomically`)."""
    conn.execute(INSERT_TEXT, _email_row(identity))


async def remove_email(session: Session, person_id: str, value: str) -> None:
    await session.run(
        "DELETE FROM search_text WHERE owner_kind = 'person' AND owner_id = ? "
        "AND field = 'email' AND text = ?", (person_id, fold(value)))


async def move_emails(session: Session, from_person_id: str, to_person_id: str) -> None:
    await session.run(
        "UPDATE search_text SET owner_id = ? WHERE owner_kind = 'person' AND owner_id = ? "
        "AND field = 'email'", (to_person_id, from_person_id))


async def remove_emails(session: Session, person_id: str) -> None:
    await session.run(
        "DELETE FROM search_text WHERE owner_kind = 'person' AND owner_id = ? "
        "AND field = 'email'", (person_id,))


async def forget_erased(session: Session) -> None:
    """Merge the FTS segments, so deleted entries leave the index's pages too (erasure)."""
    await session.run("INSERT INTO search_fts (search_fts) VALUES ('optimize')")


def _match_expression(words: Sequence[str]) -> str:
    """An FTS5 query for rows containing every word: each a quoted phrase (a substring, with
    the trigram tokenizer), quotes doubled, so no word is read as query syntax."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def _after(column: str, after_id: str | None, params: list[Any]) -> str:
    if after_id is None:
        return ""
    params.append(after_id)
    return f" AND {column} > ?"


class SqliteSearch:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def phone_suffix(
        self, digits: str, *, limit: int, after_id: str | None = None
    ) -> list[str]:
        low, high = suffix_range(digits)
        params: list[Any] = [low, high]
        sql = ("SELECT DISTINCT i.person_id FROM identities i JOIN persons p "
               "ON p.id = i.person_id AND p.active = 1 "
               "WHERE i.phone_suffix >= ? AND i.phone_suffix < ?"
               + _after("i.person_id", after_id, params)
               + " ORDER BY i.person_id LIMIT ?")
        params.append(max(0, limit))
        return [row[0] for row in await self._db.rows(sql, params)]

    async def containing(
        self, kind: PartyKind, words: Sequence[str], *, limit: int, after_id: str | None = None
    ) -> list[str]:
        wanted = [w for w in words if w]
        if not wanted:
            return []
        long = [w for w in wanted if len(w) >= MIN_KEYED_WORD]
        params: list[Any] = []
        if long:
            sql = ("SELECT DISTINCT t.owner_id FROM search_fts JOIN search_text t "
                   "ON t.id = search_fts.rowid WHERE search_fts MATCH ? AND ")
            params.append(_match_expression(long))
        else:  # the trigram index needs three characters: read rows in owner order instead
            sql = "SELECT DISTINCT t.owner_id FROM search_text t WHERE "
        sql += "t.owner_kind = ?" + "".join(" AND instr(t.text, ?) > 0" for _ in wanted)
        params += [kind, *wanted]
        sql += _after("t.owner_id", after_id, params) + " ORDER BY t.owner_id LIMIT ?"
        params.append(max(0, limit))
        return [row[0] for row in await self._db.rows(sql, params)]

    async def similar_names(
        self, kind: PartyKind, key_groups: Sequence[Sequence[str]], *, limit: int,
        after_id: str | None = None,
    ) -> list[tuple[str, str]]:
        groups = [sorted(set(group)) for group in key_groups]
        if not groups or not all(groups) or limit < 1:
            return []
        params: list[Any] = []
        selects = []
        for group in groups:
            params += [kind, *group]
            selects.append("SELECT DISTINCT owner_id FROM search_keys WHERE owner_kind = ? "
                           "AND key IN ("
                           + ", ".join("?" for _ in group) + ")"
                           + _after("owner_id", after_id, params))
        sql = ("SELECT t.owner_id, t.text FROM (" + " INTERSECT ".join(selects)
               + " ORDER BY owner_id LIMIT ?) AS c JOIN search_text t "
               "ON t.owner_kind = ? AND t.owner_id = c.owner_id AND t.field = 'name' "
               "ORDER BY t.owner_id")
        params += [limit, kind]
        return [(row[0], row[1]) for row in await self._db.rows(sql, params)]

"""SQLite repositories for conversations, teams, labels and canned responses (issue 13).

`active_key` is UNIQUE (NULL once resolved), so a person has one unresolved conversation;
`update` compares and sets on `version` in its WHERE clause. The inbox orders by
(status, last_event_at, id) or (status, sla_sort, id) through matching indexes, so keyset
pages cost the same however deep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.conversations import (
    CannedResponse,
    Conversation,
    ConversationQuery,
    CsatRule,
    Label,
    SortKey,
    Team,
)
from hub.store.sqlite_base import DocTable, dump
from hub.store.sqlite_db import Database

V_CONVERSATIONS: tuple[str, ...] = (
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL,
        status TEXT NOT NULL,
        assignee_id TEXT,
        team_id TEXT,
        active_key TEXT UNIQUE,
        last_event_at TEXT NOT NULL,
        sla_sort TEXT NOT NULL,
        snoozed_until TEXT,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX conversations_person ON conversations (person_id, last_event_at)",
    "CREATE INDEX conversations_status_time ON conversations (status, last_event_at, id)",
    "CREATE INDEX conversations_status_sla ON conversations (status, sla_sort, id)",
    """CREATE INDEX conversations_assignee
        ON conversations (assignee_id, status, last_event_at, id)""",
    "CREATE INDEX conversations_team ON conversations (team_id, status, last_event_at, id)",
    "CREATE INDEX conversations_snoozed ON conversations (status, snoozed_until)",
    "CREATE INDEX conversations_updated ON conversations (updated_at)",
    """CREATE TABLE teams (id TEXT PRIMARY KEY, doc TEXT NOT NULL)""",
    """CREATE TABLE labels (id TEXT PRIMARY KEY, doc TEXT NOT NULL)""",
    """CREATE TABLE canned_responses (id TEXT PRIMARY KEY, doc TEXT NOT NULL)""",
    """CREATE TABLE csat_rules (id TEXT PRIMARY KEY, doc TEXT NOT NULL)""",
)

COLUMNS = ("person_id", "status", "assignee_id", "team_id", "active_key", "last_event_at",
           "sla_sort", "snoozed_until", "version", "updated_at")


def _columns(c: Conversation) -> tuple[Any, ...]:
    return (c.person_id, c.status, c.assignee_id, c.team_id, c.active_key, iso(c.last_event_at),
            iso(c.sla_sort), iso(c.snoozed_until) if c.snoozed_until else None, c.version,
            iso(c.updated_at))


def update_statement(conversation: Conversation, expected_version: int,
                     before: Conversation | None = None) -> tuple[str, tuple[Any, ...]]:
    """The compare-and-set UPDATE of `SqliteConversations.update` (no row changes when the
    stored version is not `expected_version`). Given `before`, the conversation as read at
    that version (its columns are the ones stored: only this statement writes them), only
    the columns that changed are set: SQLite maintains the indexes of every column set, changed
    or not (a message joining changes 3 of the 10; measured, a third of the statement's time).
    The document is written whole: a `json_set` of the changed fields measured slower, as
    SQLite parses and re-renders the whole document for it."""
    names: tuple[str, ...] = COLUMNS
    values = _columns(conversation)
    if before is not None:
        changed = [(name, new) for name, new, old in zip(
            COLUMNS, values, _columns(before), strict=True) if new != old]
        names, values = tuple(n for n, _ in changed), tuple(v for _, v in changed)
    assignments = ", ".join(f"{name} = ?" for name in (*names, "doc"))
    return (f"UPDATE conversations SET {assignments} WHERE id = ? AND version = ?",
            (*values, dump(conversation), conversation.id, expected_version))


def _where(query: ConversationQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if query.statuses:
        where.append(f"status IN ({', '.join('?' for _ in query.statuses)})")
        params += list(query.statuses)
    if query.unassigned:
        where.append("assignee_id IS NULL")
    elif query.assignee_id is not None:
        where.append("assignee_id = ?")
        params.append(query.assignee_id)
    if query.team_id is not None:
        where.append("team_id = ?")
        params.append(query.team_id)
    if query.person_id is not None:
        where.append("person_id = ?")
        params.append(query.person_id)
    if query.breached_at is not None:
        where.append("sla_sort <= ?")
        params.append(iso(query.breached_at))
    for path, value in (("$.labels", query.label), ("$.channels", query.channel),
                        ("$.mentioned_ids", query.mentioned_id)):
        if value is not None:
            where.append(f"EXISTS (SELECT 1 FROM json_each(doc, '{path}') WHERE value = ?)")
            params.append(value)
    return where, params


class SqliteConversations:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, conversation: Conversation) -> None:
        names = ("id", *COLUMNS, "doc")
        await self._db.run(
            f"INSERT INTO conversations ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            (conversation.id, *_columns(conversation), dump(conversation)))

    async def get(self, conversation_id: str) -> Conversation | None:
        return await self._one("SELECT doc FROM conversations WHERE id = ?", (conversation_id,))

    async def update(self, conversation: Conversation, *, expected_version: int) -> bool:
        changed = await self._db.run(*update_statement(conversation, expected_version))
        return bool(changed)

    async def active_for_person(self, person_id: str) -> Conversation | None:
        return await self._one("SELECT doc FROM conversations WHERE active_key = ?",
                               (person_id,))

    async def with_thread(self, person_id: str, thread_id: str) -> Conversation | None:
        return await self._one(
            "SELECT doc FROM conversations WHERE person_id = ? AND EXISTS (SELECT 1 FROM "
            "json_each(doc, '$.thread_ids') WHERE value = ?) ORDER BY last_event_at DESC "
            "LIMIT 1", (person_id, thread_id))

    async def with_event(self, person_id: str, event_id: str) -> Conversation | None:
        return await self._one(
            "SELECT doc FROM conversations WHERE person_id = ? AND EXISTS (SELECT 1 FROM "
            "json_each(doc, '$.event_ids') WHERE value = ?) LIMIT 1", (person_id, event_id))

    async def for_person(self, person_id: str, *, limit: int) -> list[Conversation]:
        rows = await self._db.rows(
            "SELECT doc FROM conversations WHERE person_id = ? "
            "ORDER BY last_event_at DESC, id DESC LIMIT ?", (person_id, max(0, limit)))
        return [Conversation.model_validate_json(doc) for (doc,) in rows]

    async def page(self, query: ConversationQuery, *, sort: SortKey, limit: int,
                   after: tuple[datetime, str] | None = None) -> list[Conversation]:
        where, params = _where(query)
        column = "sla_sort" if sort == "sla" else "last_event_at"
        descending = sort == "newest"
        if after is not None:
            where.append(f"({column}, id) {'<' if descending else '>'} (?, ?)")
            params += [iso(after[0]), after[1]]
        order = "DESC" if descending else "ASC"
        sql = "SELECT doc FROM conversations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {column} {order}, id {order} LIMIT ?"
        rows = await self._db.rows(sql, [*params, max(0, limit)])
        return [Conversation.model_validate_json(doc) for (doc,) in rows]

    async def count(self, query: ConversationQuery) -> int:
        where, params = _where(query)
        sql = "SELECT count(*) FROM conversations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return int(await self._db.value(sql, params))

    async def wake_snoozed(self, now: datetime) -> int:
        rows = await self._db.rows(
            "SELECT doc FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?",
            (iso(now),))
        woken = 0
        for (doc,) in rows:
            held = Conversation.model_validate_json(doc)
            awake = held.model_copy(update={"status": "open", "snoozed_until": None,
                                            "version": held.version + 1, "updated_at": now})
            woken += await self.update(awake, expected_version=held.version)
        return woken

    async def stamp(self) -> str:
        found = await self._db.value("SELECT max(updated_at) FROM conversations")
        return str(found or "")

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Conversation | None:
        doc = await self._db.value(sql, params)
        return None if doc is None else Conversation.model_validate_json(doc)


class SqliteTeams(DocTable[Team]):  # type: ignore[type-var]
    table = "teams"
    model = Team

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Team]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteLabels(DocTable[Label]):  # type: ignore[type-var]
    table = "labels"
    model = Label

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Label]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteCannedResponses(DocTable[CannedResponse]):  # type: ignore[type-var]
    table = "canned_responses"
    model = CannedResponse

    async def find(self, *, limit: int = 50, after_id: str | None = None
                   ) -> list[CannedResponse]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteCsatRules(DocTable[CsatRule]):  # type: ignore[type-var]
    table = "csat_rules"
    model = CsatRule

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[CsatRule]:
        return await self._select(limit=limit, after_id=after_id)

"""The SQLite event repository: append-only timeline events and the timeline query.

`timeline_sql()` builds the exact statement `SqliteEvents.timeline()` runs, so a benchmark
can time the raw query against the API. Pages are keyset-paginated on (occurred_at, id):
a deep page walks the same index range as the first.

Each row's `shape` column holds the `EVENT_SHAPE` its document was written in
(`hub/domain/event_json.py`): `timeline_json()` serves a row of the current shape as stored.
Every in-place edit of `doc` here must therefore keep it the exact `Event.model_dump_json`
of the edited event (set a model field to a value in its canonical JSON form, as `json_set` of
a string, an ISO time or a default does), or set `shape` to NULL;
`tests/contracts/test_event_json.py` holds each edit to that.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.conversations import Conversation
from hub.domain.event_json import EVENT_SHAPE, EventJson
from hub.domain.events import (
    PERSONAL_EVENT_FIELDS,
    Event,
    EventChannel,
    StatusChange,
    TimelineCursor,
    TimelineQuery,
)
from hub.domain.webhooks import OutboxEvent
from hub.errors import InvalidInput, NotFound
from hub.ports import (
    ALERT_CHANNEL,
    ANSWERING_CHANNELS,
    AUTOMATION,
    AWAITING_CHANNELS,
    AwaitingReply,
    ConversationPlan,
)
from hub.store.sqlite_base import DocTable
from hub.store.sqlite_call_facts import CALL_COLUMNS, call_copies
from hub.store.sqlite_conversation_context import place_new
from hub.store.sqlite_db import Database
from hub.store.sqlite_flagged import FLAGGED_CONDITION
from hub.store.sqlite_response_facts import contact_role
from hub.store.sqlite_webhooks import OUTBOX_INSERT, outbox_row


def _erasure_assignments() -> tuple[str, list[Any]]:
    """`json_set` arguments that reset each personal field to its model default."""
    defaults = {
        field.alias or name: field.get_default(call_default_factory=True)
        for name, field in Event.model_fields.items()
    }
    paths: list[str] = []
    params: list[Any] = []
    for name in PERSONAL_EVENT_FIELDS:
        paths.append("?, json(?)")
        params += [f'$."{name}"', json.dumps(defaults[name])]
    return ", ".join(paths), params


_ERASE_ARGS, _ERASE_PARAMS = _erasure_assignments()
ERASE_SQL = (
    f"UPDATE events SET doc = json_replace("
    f"json_set(doc, {_ERASE_ARGS}, '$.erased', json('true')), '$.survey.comment', NULL) "
    "WHERE person_id = ?"
)
"""Blank the personal fields and any survey comment (`json_replace` leaves a null survey
alone), mark the event erased; ids, channel, direction, times, status and call figures stay."""


V_EVENT_SHAPE = ("ALTER TABLE events ADD COLUMN shape TEXT",)
"""The migration adding `shape`: rows written before it stay NULL and take the model path."""

JSON_COLUMNS = "doc, shape = ?"
"""What `timeline_json` selects: the document and whether it is stamped with EVENT_SHAPE (a
page of several persons also the owner, for its labels). Each further column costs as much as
the rest of the row, so the keyset comes from the last item's JSON alone."""


def timeline_sql(
    query: TimelineQuery, limit: int, before: TimelineCursor | None = None,
    columns: str = "doc",
) -> tuple[str, list[Any]]:
    """The SQL and parameters for one timeline page, newest first by (occurred_at, id),
    selecting `columns`.

    For one person or an organisation the page is a range read of its timeline index, in
    order, stopping after `limit` rows. For several persons (a household) SQLite reads each
    person's index range in order and sorts through a LIMIT-sized sorter that stops reading a
    person once their rows can no longer make the page, so a deep page still costs about
    `limit` rows per person rather than everything older than the cursor.
    """
    if (query.person_ids is None) == (query.organisation_id is None):
        raise InvalidInput("a timeline needs exactly one of person_ids and organisation_id")
    if query.organisation_id is not None:
        conditions, params = ["organisation_id = ?"], [query.organisation_id]
    else:
        person_ids = list(dict.fromkeys(query.person_ids or ()))
        if not person_ids:
            return f"SELECT {columns} FROM events WHERE 0", []
        marks = ", ".join("?" for _ in person_ids)
        conditions = ["person_id = ?" if len(person_ids) == 1 else f"person_id IN ({marks})"]
        params = list(person_ids)
    if query.channel is not None:
        conditions.append("channel = ?")
        params.append(query.channel)
    if before is not None:
        conditions.append("(occurred_at, id) < (?, ?)")
        params += [iso(before.occurred_at), before.id]
    where = " AND ".join(conditions)
    sql = (f"SELECT {columns} FROM events WHERE {where} "
           "ORDER BY occurred_at DESC, id DESC LIMIT ?")
    return sql, [*params, max(0, limit)]


def timeline_json_sql(query: TimelineQuery, limit: int, before: TimelineCursor | None = None
                      ) -> tuple[str, list[Any]]:
    """The statement `SqliteEvents.timeline_json` runs (`timeline_sql` with its columns)."""
    several = query.organisation_id is not None or len(query.person_ids or ()) > 1
    sql, params = timeline_sql(query, limit, before,
                               JSON_COLUMNS + (", person_id" if several else ""))
    return sql, [EVENT_SHAPE, *params]


def _awaiting_sql() -> str:
    waiting = ", ".join(f"'{c}'" for c in AWAITING_CHANNELS)
    answering = ", ".join(f"'{c}'" for c in ANSWERING_CHANNELS)
    inbound = (f"direction = 'inbound' AND (channel IN ({waiting}) "
               f"OR channel = '{ALERT_CHANNEL}')")
    return f"""
    WITH last AS (
        SELECT person_id,
            MAX(CASE WHEN {inbound} THEN occurred_at END) AS last_in,
            MAX(CASE WHEN (direction = 'outbound' AND campaign_id IS NULL
                           AND json_extract(doc, '$.data.purpose') IS NOT 'marketing')
                          OR (channel IN ({answering}) AND NOT (
                              channel = '{ALERT_CHANNEL}' AND (direction = 'inbound' OR
                              json_extract(doc, '$.data.purpose') IS '{AUTOMATION}')))
                THEN occurred_at END) AS last_answer
        FROM events WHERE person_id IS NOT NULL GROUP BY person_id
    ), waiting AS (
        SELECT person_id, last_in, last_answer FROM last
        WHERE last_in IS NOT NULL AND last_in > COALESCE(last_answer, '')
    )
    SELECT w.person_id, (
        SELECT MIN(e.occurred_at) FROM events e
        WHERE e.person_id = w.person_id AND e.{inbound.replace("channel", "+e.channel")}
            AND e.occurred_at > COALESCE(w.last_answer, '')
    ) AS since, w.last_in
    FROM waiting w ORDER BY since, w.person_id LIMIT ?"""


LATEST_OUTBOUND_SQL = ("SELECT doc FROM events WHERE person_id = ? AND channel = ? "
                      "AND direction = 'outbound' AND occurred_at >= ? "
                      "ORDER BY occurred_at DESC, id DESC LIMIT 1")
"""The newest message sent to a person on a channel since a time (an SMS reply's thread)."""
AWAITING_SQL = _awaiting_sql()
"""One pass over the events by person, then one index range per waiting person for the start
of their wait. Only a service answer ends a wait: a campaign or a triggered survey (purpose
marketing) sent to someone who wrote in does not answer them."""


class SqliteEvents(DocTable[Event]):
    table = "events"
    model = Event
    columns = (
        "person_id", "organisation_id", "channel", "occurred_at", "external_id", "direction",
        "shape", *CALL_COLUMNS, "contact_role",
    )

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._append_sql = (
            self._insert_sql
            + " ON CONFLICT (channel, external_id) WHERE external_id IS NOT NULL DO NOTHING"
        )

    def indexed(self, record: Event) -> tuple[Any, ...]:
        return (
            record.person_id,
            record.organisation_id,
            record.channel,
            iso(record.occurred_at),
            record.external_id,
            record.direction,
            EVENT_SHAPE,  # `_row` stores the document as `dump(record)`: this release's shape
            *call_copies(record),
            contact_role(record),
        )

    async def append(self, event: Event, *, outbox: Sequence[OutboxEvent] = ()
                     ) -> tuple[Event, bool]:
        """Insert unless (channel, external_id) is stored; then return the stored one. The
        event's `outbox` rows go in the same transaction (one hop to the connection's thread
        on the request's path, not two)."""
        row = self._row(event)
        if not outbox:
            async with self._db.session() as session:
                if await session.run(self._append_sql, row):
                    return event, True
                doc = await session.value(
                    "SELECT doc FROM events WHERE channel = ? AND external_id = ?",
                    (event.channel, event.external_id))
            return self._load(doc), False
        rows = [outbox_row(o) for o in outbox]

        def work(conn: sqlite3.Connection) -> str | None:
            if conn.execute(self._append_sql, row).rowcount:
                if rows:
                    conn.executemany(OUTBOX_INSERT, rows)
                return None
            found = conn.execute("SELECT doc FROM events WHERE channel = ? AND external_id = ?",
                                 (event.channel, event.external_id)).fetchone()
            return str(found[0])

        doc = await self._db.atomically(work)
        return (event, True) if doc is None else (self._load(doc), False)

    async def append_placing(self, event: Event, plan: ConversationPlan, *,
                             outbox: Sequence[OutboxEvent] = ()
                             ) -> tuple[Event, bool, Conversation | None]:
        """`append`, and when the event went in, the conversation update `plan` makes for it
        in the same transaction (one hop, one commit for the inbound message): (the stored
        event, created, the conversation written or None)."""
        row = self._row(event)
        rows = [outbox_row(o) for o in outbox]
        person_id = event.person_id

        def work(conn: sqlite3.Connection) -> tuple[str | None, Conversation | None]:
            if conn.execute(self._append_sql, row).rowcount:
                if rows:
                    conn.executemany(OUTBOX_INSERT, rows)
                placed = place_new(conn, person_id, event.thread_id, plan) \
                    if person_id else None
                return None, placed
            found = conn.execute("SELECT doc FROM events WHERE channel = ? AND external_id = ?",
                                 (event.channel, event.external_id)).fetchone()
            return str(found[0]), None

        doc, placed = await self._db.atomically(work)
        return (event, True, placed) if doc is None else (self._load(doc), False, None)

    async def append_many(self, events: Sequence[Event]) -> int:
        async with self._db.transaction() as session:
            return await session.run_many(self._append_sql, (self._row(e) for e in events))

    async def find_by_external(self, channel: EventChannel, external_id: str) -> Event | None:
        found = await self._select(
            ["channel = ?", "external_id = ?"], [channel, external_id], limit=1
        )
        return found[0] if found else None

    async def set_external_id(self, event_id: str, external_id: str) -> None:
        """The UNIQUE (channel, external_id) index turns a taken key into DuplicateKey."""
        changed = await self._db.run(
            "UPDATE events SET external_id = ?, doc = json_set(doc, '$.external_id', ?) "
            "WHERE id = ?",
            (external_id, external_id, event_id),
        )
        if not changed:
            raise NotFound(f"no event with id {event_id}", details={"id": event_id})

    async def latest_outbound(
        self, person_id: str, channel: EventChannel, since: datetime
    ) -> Event | None:
        rows = await self._db.rows(LATEST_OUTBOUND_SQL, (person_id, channel, iso(since)))
        return self._load(rows[0][0]) if rows else None

    async def marketing_sent(
        self, person_ids: Sequence[str], *, since: datetime
    ) -> dict[str, int]:
        if not person_ids:
            return {}
        marks = ", ".join("?" * len(person_ids))
        rows = await self._db.rows(
            f"SELECT person_id, count(*) FROM events WHERE person_id IN ({marks}) "
            "AND direction = 'outbound' AND occurred_at >= ? AND (campaign_id IS NOT NULL "
            "OR json_extract(doc, '$.data.purpose') = 'marketing') GROUP BY person_id",
            [*person_ids, iso(since)])
        return {person_id: int(n) for person_id, n in rows}

    async def recent_outbound(
        self, channel: EventChannel, *, since: datetime, limit: int
    ) -> list[Event]:
        rows = await self._db.rows(
            "SELECT doc FROM events WHERE channel = ? AND direction = 'outbound' "
            "AND occurred_at >= ? ORDER BY occurred_at DESC, id DESC LIMIT ?",
            (channel, iso(since), max(0, limit)),
        )
        return [self._load(doc) for (doc,) in rows]

    async def timeline(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[Event]:
        sql, params = timeline_sql(query, limit, before)
        return [self._load(doc) for (doc,) in await self._db.rows(sql, params)]

    async def timeline_json(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[EventJson]:
        sql, params = timeline_json_sql(query, limit, before)
        rows = await self._db.rows(sql, params)
        if rows and len(rows[0]) == 3:
            return [EventJson(doc, person_id=person_id) if fresh
                    else EventJson.of(self._load(doc)) for doc, fresh, person_id in rows]
        return [EventJson(doc) if fresh else EventJson.of(self._load(doc))
                for doc, fresh in rows]

    async def add_status(self, event_id: str, change: StatusChange) -> Event | None:
        rows = await self._db.rows(
            "UPDATE events SET doc = json_set("
            "json_insert(doc, '$.status_history[#]', json(?)), '$.status', ?) "
            "WHERE id = ? RETURNING doc",
            (change.model_dump_json(by_alias=True), change.status, event_id),
        )
        return self._load(rows[0][0]) if rows else None

    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        return await self._reassign_person(from_person_id, to_person_id)

    async def erase_person(self, person_id: str) -> int:
        return await self._db.run(ERASE_SQL, [*_ERASE_PARAMS, person_id])

    async def count_for_person(self, person_id: str) -> int:
        return await self._count(["person_id = ?"], [person_id])

    async def count_campaign_persons(
        self, campaign_id: str, *, direction: str, channel: EventChannel | None = None
    ) -> int:
        sql = ("SELECT count(DISTINCT person_id) FROM events "
               "WHERE campaign_id = ? AND direction = ?")
        params: list[Any] = [campaign_id, direction]
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        return int(await self._db.value(sql, params))

    async def count_campaign_flagged(self, campaign_id: str, flag: str, *,
                                     direction: str = "inbound") -> int:
        return int(await self._db.value(
            "SELECT count(DISTINCT person_id) FROM events WHERE campaign_id = ? "
            f"AND direction = ? AND person_id IS NOT NULL AND {FLAGGED_CONDITION} AND EXISTS ("
            "SELECT 1 FROM json_each(doc, '$.data.flags') WHERE json_each.value = ?)",
            (campaign_id, direction, flag)))

    async def for_campaign(
        self, campaign_id: str, *, direction: str, limit: int
    ) -> list[Event]:
        rows = await self._db.rows(
            "SELECT doc FROM events WHERE campaign_id = ? AND direction = ? "
            "ORDER BY occurred_at DESC, id DESC LIMIT ?", (campaign_id, direction, max(0, limit)))
        return [self._load(doc) for (doc,) in rows]

    async def for_form(self, form_id: str, *, limit: int) -> list[Event]:
        rows = await self._db.rows(
            "SELECT doc FROM events WHERE channel = 'webform' "
            "AND json_extract(doc, '$.form.form_id') = ? "
            "ORDER BY occurred_at DESC, id DESC LIMIT ?", (form_id, max(0, limit)))
        return [self._load(doc) for (doc,) in rows]

    async def awaiting_reply(self, *, limit: int) -> list[AwaitingReply]:
        rows = await self._db.rows(AWAITING_SQL, (max(0, limit),))
        return [AwaitingReply(person_id=pid, since=datetime.fromisoformat(since),
                              last_inbound=datetime.fromisoformat(last))
                for pid, since, last in rows]

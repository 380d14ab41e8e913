"""What the conversation router reads before placing a customer's message, in one hop to
SQLite's thread (`hub.services.conversation_context` falls back to one repository call each
elsewhere): whether the message was taken as a survey answer, the conversation already
holding it, the person's unresolved one, and the one holding the message's thread."""

from __future__ import annotations

import sqlite3

from hub.domain.conversations import Conversation
from hub.ports import ConversationPlan
from hub.store.sqlite_conversations import update_statement
from hub.store.sqlite_db import Database

ANSWERED_SQL = "SELECT 1 FROM events WHERE channel = 'survey' AND external_id = ? LIMIT 1"
WITH_EVENT_SQL = ("SELECT doc FROM conversations WHERE person_id = ? AND EXISTS (SELECT 1 FROM "
                  "json_each(doc, '$.event_ids') WHERE value = ?) LIMIT 1")
ACTIVE_SQL = "SELECT doc FROM conversations WHERE active_key = ?"
WITH_THREAD_SQL = ("SELECT doc FROM conversations WHERE person_id = ? AND EXISTS (SELECT 1 FROM "
                   "json_each(doc, '$.thread_ids') WHERE value = ?) ORDER BY last_event_at DESC "
                   "LIMIT 1")
"""The same statements as `SqliteConversations.with_event`, `active_for_person` and
`with_thread`."""

Docs = tuple[bool, str | None, str | None, str | None]
Context = tuple[bool, Conversation | None, Conversation | None, Conversation | None]


def _load(doc: str | None) -> Conversation | None:
    return None if doc is None else Conversation.model_validate_json(doc)


def _docs(conn: sqlite3.Connection, person_id: str, event_id: str, thread_id: str | None,
          survey_external_id: str | None) -> Docs:
    if survey_external_id is not None and conn.execute(
            ANSWERED_SQL, (survey_external_id,)).fetchone() is not None:
        return True, None, None, None
    holding = conn.execute(WITH_EVENT_SQL, (person_id, event_id)).fetchone()
    if holding is not None:
        return False, str(holding[0]), None, None
    active = conn.execute(ACTIVE_SQL, (person_id,)).fetchone()
    threaded = conn.execute(WITH_THREAD_SQL, (person_id, thread_id)).fetchone() \
        if thread_id else None
    return (False, None, str(active[0]) if active else None,
            str(threaded[0]) if threaded else None)


def place_new(conn: sqlite3.Connection, person_id: str, thread_id: str | None,
              plan: ConversationPlan) -> Conversation | None:
    """Run on the connection's thread, inside the transaction that just inserted a new event
    (`SqliteEvents.append_placing`): the update `plan` makes of the person's unresolved
    conversation and the one holding the thread, written when it plans one. None when it
    plans none or the write fails (the caller's listener then places the event). A new event
    is in no conversation and answers no survey yet: those two reads are skipped."""
    try:
        active = conn.execute(ACTIVE_SQL, (person_id,)).fetchone()
        threaded = conn.execute(WITH_THREAD_SQL, (person_id, thread_id)).fetchone() \
            if thread_id else None
        planned = plan(False, None, _load(active[0] if active else None),
                       _load(threaded[0] if threaded else None))
        if planned is None:
            return None
        before, after = planned
        cursor = conn.execute(*update_statement(after, before.version, before))
    except Exception:  # a failed statement is undone alone: the event stays,
        return None  # and the listener, placing it after the commit, meets the error itself
    try:
        return after if cursor.rowcount else None
    finally:
        cursor.close()


class SqliteConversationContext:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def read(self, person_id: str, event_id: str, thread_id: str | None,
                   survey_external_id: str | None) -> Context:
        """(answered as a survey, holding the event, active, holding the thread); the later
        ones are not read (None) once an earlier one decides."""

        def work(conn: sqlite3.Connection) -> Docs:
            return _docs(conn, person_id, event_id, thread_id, survey_external_id)

        answered, holding, active, threaded = await self._db.reading(work)
        return answered, _load(holding), _load(active), _load(threaded)

    async def read_and_update(self, person_id: str, event_id: str, thread_id: str | None,
                              survey_external_id: str | None, plan: ConversationPlan
                              ) -> tuple[Context, Conversation | None, bool]:
        """`read`, then the update `plan` makes of it (compared and set on the version, as
        `SqliteConversations.update`), in one hop to the connection's thread: (the context,
        the conversation written or None, whether the write lost a race)."""

        def work(conn: sqlite3.Connection) -> tuple[Context, Conversation | None, bool]:
            answered, holding, active, threaded = _docs(conn, person_id, event_id, thread_id,
                                                        survey_external_id)
            context = (answered, _load(holding), _load(active), _load(threaded))
            planned = plan(*context)
            if planned is None:
                return context, None, False
            before, after = planned
            sql, params = update_statement(after, before.version, before)
            cursor = conn.execute(sql, params)
            try:
                changed = cursor.rowcount
            finally:
                cursor.close()
            return context, after if changed else None, not changed

        return await self._db.one_by_one(work)

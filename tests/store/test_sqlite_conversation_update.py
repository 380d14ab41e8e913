"""A conversation's update on SQLite given what was read sets only the changed columns: the
stored row (columns and document) is the one a whole rewrite stores, and the version is
still compared."""

from __future__ import annotations

from typing import Any

from hub.domain.conversations import Conversation
from hub.ports import Store
from hub.store.sqlite import SqliteStore
from hub.store.sqlite_base import dump
from hub.store.sqlite_conversations import COLUMNS, _columns, update_statement
from tests.contracts import factories as f


async def stored_row(store: Store, conversation_id: str) -> tuple[Any, ...]:
    assert isinstance(store, SqliteStore)
    rows = await store._db.rows(
        f"SELECT {', '.join(COLUMNS)}, doc FROM conversations WHERE id = ?", (conversation_id,))
    return rows[0]


async def test_only_changed_columns_are_set_and_the_row_is_the_whole_rewrites(
        store: Store) -> None:
    held = Conversation(id="c1", person_id="p1", status="snoozed", snoozed_until=f.at(60),
                        opened_at=f.at(), last_event_at=f.at(), first_response_due=f.at(30),
                        created_at=f.at(), updated_at=f.at())
    await store.conversations.insert(held)
    joined = held.model_copy(update={"status": "open", "snoozed_until": None,
                                     "event_ids": ["e1"], "last_event_at": f.at(90),
                                     "version": 2, "updated_at": f.at(91)})
    sql, params = update_statement(joined, 1, held)
    assert sql.startswith("UPDATE conversations SET status = ?, last_event_at = ?, "
                          "sla_sort = ?, snoozed_until = ?, version = ?, updated_at = ?, doc")
    assert isinstance(store, SqliteStore)
    db = store._db
    assert await db.run(sql, params) == 1
    assert await stored_row(store, "c1") == (*_columns(joined), dump(joined))
    assert await store.conversations.active_for_person("p1") == joined
    stale = held.model_copy(update={"assignee_id": "u1", "version": 2})
    assert await db.run(*update_statement(stale, 1, held)) == 0
    assert await store.conversations.get("c1") == joined

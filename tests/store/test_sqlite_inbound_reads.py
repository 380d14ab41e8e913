"""The SQLite store's combined reads on an inbound message's path answer exactly what the
separate reads they replace answer (one round trip instead of two)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.domain.common import new_id
from hub.domain.conversations import Conversation
from hub.store.sqlite import SqliteStore, open_sqlite_store
from tests.contracts import factories as f


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    yield opened
    await opened.close()


def conversation(person_id: str, **overrides: Any) -> Conversation:
    fields: dict[str, Any] = {"id": new_id(), "person_id": person_id, "opened_at": f.at(),
                              "last_event_at": f.at(), "created_at": f.at(),
                              "updated_at": f.at(), "active_key": person_id}
    return Conversation(**(fields | overrides))


async def separately(store: SqliteStore, person_id: str, event_id: str
                     ) -> tuple[Conversation | None, Conversation | None]:
    return (await store.conversations.with_event(person_id, event_id),
            await store.conversations.active_for_person(person_id))


async def test_holding_and_active_conversations_as_the_separate_reads_find_them(
        store: SqliteStore) -> None:
    repo = store.conversations
    combined = repo.with_event_or_active  # type: ignore[attr-defined]
    assert await combined("p1", "e1") == (None, None)
    active = conversation("p1", event_ids=["e0"])
    await repo.insert(active)
    assert await combined("p1", "e1") == (None, active) == await separately(store, "p1", "e1")
    assert await combined("p1", "e0") == (active, active) == await separately(store, "p1", "e0")
    resolved = conversation("p1", event_ids=["e5"], status="resolved", active_key=None)
    other = conversation("p2", event_ids=["e5"])
    await repo.insert(resolved)
    await repo.insert(other)
    assert await combined("p1", "e5") == (resolved, active) == await separately(
        store, "p1", "e5")
    assert await combined("p2", "e0") == (None, other) == await separately(store, "p2", "e0")
    assert await combined("p3", "e5") == (None, None) == await separately(store, "p3", "e5")

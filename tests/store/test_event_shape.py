"""SQLite: a timeline row stamped with this release's EVENT_SHAPE is served as stored; a row
written in another shape (an older release: a field it lacked, a key it no longer knows) goes
through the model, so the API answers the same bytes either way."""

from __future__ import annotations

import json
from pathlib import Path

from hub.domain.common import new_id
from hub.domain.event_json import EVENT_SHAPE
from hub.domain.events import Event, TimelineQuery
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from tests.contracts import factories as f


async def test_a_row_written_now_is_stamped_and_served_as_stored(tmp_path: Path) -> None:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        person_id = new_id()
        event = f.full_event(person_id)
        await store.events.append(event)
        shape, doc = (await store._db.rows("SELECT shape, doc FROM events"))[0]
        assert shape == EVENT_SHAPE
        [item] = await store.events.timeline_json(TimelineQuery(person_ids=[person_id]), limit=5)
        assert item.json == doc
        assert item.json == event.model_dump_json(by_alias=True)
    finally:
        await store.close()


async def test_rows_of_another_shape_go_through_the_model(tmp_path: Path) -> None:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        person_id = new_id()
        older, newer = f.event(person_id, occurred_at=f.at(1)), f.event(person_id,
                                                                         occurred_at=f.at(2))
        await store.events.append_many([older, newer])
        # an older release: no `erased` yet, a key since dropped, no stamp
        doc = older.to_json()
        del doc["erased"]
        doc["legacy_flag"] = 1
        await store._db.run("UPDATE events SET doc = ?, shape = NULL WHERE id = ?",
                            (json.dumps(doc), older.id))
        # a newer release's shape: a key this one does not know
        await store._db.run("UPDATE events SET doc = json_set(doc, '$.future', 2), shape = ? "
                            "WHERE id = ?", ("0123456789abcdef", newer.id))
        items = await store.events.timeline_json(TimelineQuery(person_ids=[person_id]),
                                                 limit=5)
        assert [item.json for item in items] == [
            newer.model_dump_json(by_alias=True), older.model_dump_json(by_alias=True)]
        assert all("legacy_flag" not in i.json and "future" not in i.json for i in items)
    finally:
        await store.close()


async def test_the_upgrade_leaves_existing_rows_unstamped(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = await Database.connect(str(path))
    try:
        before = len(MIGRATIONS) - 1
        assert await migrate(db, MIGRATIONS[:before]) == before
        event = f.full_event(new_id())
        await db.run("INSERT INTO events (id, person_id, organisation_id, channel, occurred_at, "
                     "external_id, direction, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (event.id, event.person_id, event.organisation_id, event.channel,
                      event.to_json()["occurred_at"], event.external_id, event.direction,
                      event.model_dump_json(by_alias=True)))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        assert await store._db.value("SELECT shape FROM events") is None
        [item] = await store.events.timeline_json(
            TimelineQuery(person_ids=[event.person_id or ""]), limit=5)
        assert item.json == event.model_dump_json(by_alias=True)
        assert Event.model_validate_json(item.json) == event
    finally:
        await store.close()

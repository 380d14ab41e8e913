"""`events.append_placing` on every backend: the event is stored once under its key with its
outbox row, whether or not the store writes the conversation in the same transaction."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.ports import Store
from hub.services.webhook_emit import emitting


def no_update(*_: object) -> None:
    return None


async def test_append_placing_stores_once_and_emits_once(store: Store) -> None:
    emitting(store)
    event = Event(id=new_id(), person_id="p1", channel="sms", direction="inbound",
                  text="Hallo", external_id="SM" + new_id())
    stored, created, placed = await store.events.append_placing(event, no_update)
    assert (stored.id, created, placed) == (event.id, True, None)
    again = event.model_copy(update={"id": new_id()})
    stored, created, placed = await store.events.append_placing(again, no_update)
    assert (stored.id, created, placed) == (event.id, False, None)
    assert await store.events.get(again.id) is None
    found = await store.events.find_by_external("sms", event.external_id or "")
    assert found is not None and found.id == event.id
    rows = [r for r in await store.webhooks.unfanned(limit=10) if r.type == "event.sms.inbound"]
    assert [r.data["id"] for r in rows] == [event.id]

"""A campaign send's start emits its event's outgoing-webhook outbox row exactly when the send
started (on SQLite in the same transaction as the delivery and the event); a send whose lease
was lost leaves no row."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from hub.services.webhook_emit import emitting
from tests.contracts.test_dispatch_batches import leased, outbound


async def test_a_started_send_emits_its_event_once(store: Store) -> None:
    emitting(store)
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert await store.deliveries.start_send(sending, event, owner="w1")
    rows = await store.webhooks.unfanned(limit=10)
    assert [(r.id, r.type, r.data["id"]) for r in rows] == [
        (f"event.email.outbound:{event.id}", "event.email.outbound", event.id)]
    assert rows[0].person_ids == [taken.person_id]


async def test_a_send_of_a_lost_lease_emits_nothing(store: Store) -> None:
    emitting(store)
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert not await store.deliveries.start_send(sending, event, owner="w2")
    assert await store.webhooks.unfanned(limit=10) == []
    assert await store.events.get(event.id) is None

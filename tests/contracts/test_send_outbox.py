"""A campaign send's start emits its event's outgoing-webhook outbox row exactly when the send
started (on SQLite in the same transaction as the delivery and the event); a send whose lease
was lost leaves no row."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.domain.webhooks import OutboxEvent
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


def _outbox_row(event_id: str, type_: str = "event.sms.inbound") -> OutboxEvent:
    return OutboxEvent(id=f"{type_}:{event_id}", type=type_, data={"id": event_id},
                       person_ids=["p1"])


async def test_start_send_writes_one_outbox_row_per_started_send(store: Store) -> None:
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    row = _outbox_row(event.id, "event.email.outbound")
    assert not await store.deliveries.start_send(sending, event, owner="w2", outbox=[row])
    assert await store.webhooks.unfanned(limit=10) == []
    assert await store.deliveries.start_send(sending, event, owner="w1", outbox=[row])
    assert [r.id for r in await store.webhooks.unfanned(limit=10)] == [row.id]
    assert await store.events.get(event.id) is not None


async def test_append_writes_the_event_and_its_outbox_rows_once(store: Store) -> None:
    event = Event(id=new_id(), person_id="p1", channel="sms", direction="inbound",
                  text="Hallo", from_="+31612345678", status="received",
                  external_id="SM" + new_id())
    rows = [_outbox_row(event.id), _outbox_row(event.id, "consent.changed")]
    stored, created = await store.events.append(event, outbox=rows)
    assert created and stored.id == event.id
    assert sorted(r.id for r in await store.webhooks.unfanned(limit=10)) == sorted(
        r.id for r in rows)
    again = event.model_copy(update={"id": new_id()})  # the same (channel, external_id)
    stored, created = await store.events.append(again, outbox=[_outbox_row(again.id)])
    assert not created and stored.id == event.id
    assert len(await store.webhooks.unfanned(limit=10)) == 2
    plain = event.model_copy(update={"id": new_id(), "external_id": "SM" + new_id()})
    assert (await store.events.append(plain))[1]
    assert len(await store.webhooks.unfanned(limit=10)) == 2

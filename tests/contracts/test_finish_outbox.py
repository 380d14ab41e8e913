"""A campaign send's end emits its `delivery.status` outbox row with the status it records
(on SQLite in the same transaction), once however often it is retried."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import StatusChange
from hub.ports import Store
from hub.services.webhook_emit import emitting
from tests.contracts.test_dispatch_batches import leased, outbound


async def test_a_finished_send_emits_its_status_once(store: Store) -> None:
    emitting(store)
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert await store.deliveries.start_send(sending, event, owner="w1")
    sent = sending.model_copy(update={"status": "sent", "lease_until": None})
    for _ in range(2):  # a retried record is the same row
        assert await store.deliveries.finish_send(
            sent, owner="w1", provider_id=f"{event.id}@shop.example",
            change=StatusChange(status="sent", detail="250 OK"))
    rows = [r for r in await store.webhooks.unfanned(limit=10) if r.type == "delivery.status"]
    assert [(r.id, r.data["status"], r.data["external_id"], r.data["campaign_id"])
            for r in rows] == [(f"delivery.status:{event.id}:sent", "sent",
                                f"{event.id}@shop.example", taken.campaign_id)]
    assert rows[0].person_ids == [taken.person_id]
    stored = await store.events.get(event.id)
    assert stored is not None and stored.status == "sent"
    assert stored.external_id == f"{event.id}@shop.example"
    assert (await store.deliveries.get(taken.id)).status == "sent"  # type: ignore[union-attr]


async def test_a_lost_lease_still_records_the_event_status(store: Store) -> None:
    """The provider took the message: its event and the webhook say so even when another
    worker holds the delivery by now."""
    emitting(store)
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert await store.deliveries.start_send(sending, event, owner="w1")
    assert not await store.deliveries.finish_send(
        sending.model_copy(update={"status": "sent"}), owner="w2", provider_id=None,
        change=StatusChange(status="sent"))
    rows = [r for r in await store.webhooks.unfanned(limit=10) if r.type == "delivery.status"]
    assert [r.data["status"] for r in rows] == ["sent"]
    assert (await store.events.get(event.id)).status == "sent"  # type: ignore[union-attr]

"""Bulk timeline appends (imports, demo data) emit outgoing-webhook events like single
appends do, in one outbox write, for the events that went in; with no subscription enabled
they leave nothing in the outbox. An imported event is old, and still reaches a subscription
made before the import."""

from __future__ import annotations

from datetime import timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.events import Event
from hub.ports import Store
from hub.services.webhook_emit import emitting
from hub.services.webhooks import WebhookService, WebhookWorker


def call(external_id: str, days_ago: int = 30) -> Event:
    return Event(id=new_id(), person_id="p1", channel="call", direction="inbound",
                 text="Asked about the invoice", external_id=external_id, status="completed",
                 occurred_at=utcnow() - timedelta(days=days_ago))


class Counting:
    """Counts the outbox writes of the real repository it wraps (a spy, not a fake)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.writes: list[str] = []

    def __getattr__(self, name: str) -> object:
        if name in ("emit", "emit_many"):
            self.writes.append(name)
        return getattr(self.inner, name)


async def test_no_subscription_no_outbox_rows(store: Store) -> None:
    emitting(store)
    assert await store.events.append_many([call("CA1"), call("CA2")]) == 2
    assert await store.webhooks.unfanned(limit=10) == []


async def test_a_bulk_append_emits_once_for_what_went_in(store: Store) -> None:
    counting = Counting(store.webhooks)
    outbox, store.webhooks = store.webhooks, counting  # type: ignore[assignment]
    emitting(store)
    subscription = await WebhookService(store, allow_private=False).create(
        "http://127.0.0.1:9/hook", ["event.call.inbound"])
    await store.events.append(call("CA1"))
    before = {e.id for e in await outbox.unfanned(limit=10)}
    counting.writes.clear()
    fresh = [call("CA2"), call("CA3")]
    duplicate = call("CA1")  # the same call again, under a new id: not stored
    assert await store.events.append_many([*fresh, duplicate]) == 2
    assert counting.writes == ["emit_many"]
    store.webhooks = outbox
    emitted = {e.id for e in await store.webhooks.unfanned(limit=10)} - before
    assert emitted == {f"event.call.inbound:{e.id}" for e in fresh}

    worker = WebhookWorker(store, poster=None)  # type: ignore[arg-type]  # fan-out only
    await worker.fan_out()
    log = await store.webhooks.deliveries(subscription.id, limit=10)
    assert sorted(d.event_id for d in log) == sorted(
        f"event.call.inbound:{e.id}" for e in [*fresh, await _first(store, "CA1")])


async def _first(store: Store, external_id: str) -> Event:
    found = await store.events.find_by_external("call", external_id)
    assert found is not None
    return found

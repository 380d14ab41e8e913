"""How the webhook worker starts a subscription's posts: a target that is down gets one
attempt per pass, not a volley; a healthy one gets its first batch's oldest alone, then every
batch of the pass through the pool of `IN_FLIGHT` posts, started in event order. The poster
is a recording stand-in (named as one: the HTTP side is tested in tests/web)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.webhooks import OutboxEvent, WebhookSubscription
from hub.ports import Store
from hub.services.webhooks import BATCH, IN_FLIGHT, PostResult, WebhookWorker


class RecordingPoster:
    """Answers `status` after a short wait, and records the order of starts and how many
    posts were under way when each one started."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.started: list[str] = []
        self.under_way_at_start: list[int] = []
        self._under_way = 0

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> PostResult:
        self.started.append(headers["webhook-id"])
        self.under_way_at_start.append(self._under_way)
        self._under_way += 1
        try:
            await asyncio.sleep(0.001)
        finally:
            self._under_way -= 1
        return PostResult(self.status, None if self.status < 300 else "down", 1.0)


async def subscribed_with_events(store: Store, events: int) -> list[str]:
    subscription = WebhookSubscription(id=new_id(), url="https://example.com/hook",
                                       event_types=["*"], secret="whsec_" + "A" * 43,
                                       created_at=utcnow() - timedelta(minutes=1))
    await store.webhooks.add_subscription(subscription)
    start = utcnow() - timedelta(seconds=30)
    await store.webhooks.emit_many([
        OutboxEvent(id=f"person.created:{n:04d}", type="person.created",
                    occurred_at=start + timedelta(milliseconds=n)) for n in range(events)])
    return [f"person.created:{n:04d}" for n in range(events)]


async def test_a_target_that_is_down_gets_one_attempt_per_pass(store: Store) -> None:
    await subscribed_with_events(store, 20)
    poster = RecordingPoster(503)
    worker = WebhookWorker(store, poster, poll_s=0.0)
    await worker.tick()
    assert len(poster.started) == 1
    [subscription] = await store.webhooks.subscriptions()
    log = await store.webhooks.deliveries(subscription.id, limit=30)
    assert sorted(d.attempts for d in log) == [0] * 19 + [1]
    assert subscription.failing_since is not None


async def test_a_healthy_target_gets_the_pool_from_the_second_batch_on(store: Store) -> None:
    event_ids = await subscribed_with_events(store, BATCH + 20)
    poster = RecordingPoster(204)
    worker = WebhookWorker(store, poster, poll_s=0.0)
    await worker.tick()
    [subscription] = await store.webhooks.subscriptions()
    log = {d.id: d for d in await store.webhooks.deliveries(subscription.id, limit=500)}
    assert [log[i].event_id for i in poster.started] == event_ids  # started in event order
    assert all(d.state == "delivered" for d in log.values())
    first, second = poster.under_way_at_start[:BATCH], poster.under_way_at_start[BATCH:]
    assert first[:2] == [0, 0] and max(first) == IN_FLIGHT - 1  # the oldest alone, then
    assert second[0] == 0 and second[1] == 1  # the next batch starts with the pool

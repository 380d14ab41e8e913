"""Outgoing webhooks on every backend: subscriptions, the outbox (one insert per event,
idempotent), fan-out unique on subscription + event, leases that go to exactly one of many
concurrent claimers in event-time order, expiry and re-lease, the owner-checked finish, the
delivery log newest first, replay of one or of a time range, and erasure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.webhooks import (
    DeliveryOutcome,
    DeliveryState,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.ports import Store
from hub.services.webhooks import PostResult, WebhookWorker
from tests.contracts import factories as f

LEASE = timedelta(seconds=60)


def subscription(**fields: object) -> WebhookSubscription:
    base: dict[str, object] = {"id": new_id(), "url": "https://example.com/hook",
                               "event_types": ["*"], "secret": "whsec_" + "A" * 43}
    return WebhookSubscription(**(base | fields))  # type: ignore[arg-type]


def delivery(subscription_id: str, second: int, **fields: object) -> WebhookDelivery:
    base: dict[str, object] = {
        "id": new_id(), "subscription_id": subscription_id, "event_id": new_id(),
        "type": "person.created", "occurred_at": f.at(second), "next_attempt_at": f.at(0),
        "data": {"person_id": "p1"}, "person_ids": ["p1"]}
    return WebhookDelivery(**(base | fields))  # type: ignore[arg-type]


def outcome(delivery_id: str, state: DeliveryState, *, status: int = 204,
            error: str | None = None, attempts: int = 1,
            next_attempt_at: datetime | None = None,
            delivered_at: datetime | None = None) -> DeliveryOutcome:
    return DeliveryOutcome(delivery_id, state, attempts, next_attempt_at, status, error, 12.5,
                           delivered_at)


async def test_subscriptions_round_trip_and_delete(store: Store) -> None:
    sub = subscription(description="CRM sync")
    await store.webhooks.add_subscription(sub)
    assert await store.webhooks.get_subscription(sub.id) == sub
    changed = sub.model_copy(update={"state": "disabled", "disabled_reason": "410"})
    await store.webhooks.replace_subscription(changed)
    assert [s.state for s in await store.webhooks.subscriptions()] == ["disabled"]
    await store.webhooks.add_deliveries([delivery(sub.id, 1)])
    assert await store.webhooks.delete_subscription(sub.id)
    assert await store.webhooks.get_subscription(sub.id) is None
    assert [d.state for d in await store.webhooks.deliveries(sub.id, limit=5)] == ["cancelled"]


async def test_outbox_emit_is_idempotent_and_fans_out_once(store: Store) -> None:
    first = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(2))
    older = OutboxEvent(id=new_id(), type="person.erased", occurred_at=f.at(1))
    for event in (first, older, first):
        await store.webhooks.emit(event)
    assert [e.id for e in await store.webhooks.unfanned(limit=10)] == [older.id, first.id]
    await store.webhooks.mark_fanned([older.id])
    assert [e.id for e in await store.webhooks.unfanned(limit=10)] == [first.id]

    sub_id = new_id()
    made = delivery(sub_id, 1, event_id=first.id)
    assert await store.webhooks.add_deliveries([made]) == 1
    again = delivery(sub_id, 1, event_id=first.id)  # a second fan-out after a crash
    assert await store.webhooks.add_deliveries([again, delivery(sub_id, 2)]) == 1


async def test_lease_in_event_time_order_expiry_and_owned_finish(store: Store) -> None:
    sub_id = new_id()
    later, sooner = delivery(sub_id, 5), delivery(sub_id, 3)
    future = delivery(sub_id, 1, next_attempt_at=f.at(30))
    other = delivery(new_id(), 0)
    await store.webhooks.add_deliveries([later, sooner, future, other])
    taken = await store.webhooks.lease(sub_id, owner="w1", now=f.at(10),
                                       until=f.at(10) + LEASE, limit=10)
    assert [d.id for d in taken] == [sooner.id, later.id]
    assert (taken[0].event_id, taken[0].type, taken[0].occurred_at, taken[0].attempts) == (
        sooner.event_id, "person.created", f.at(3), 0)
    assert json.loads(taken[0].body()) == sooner.body()
    held = await store.webhooks.get_delivery(later.id)
    assert held is not None and (held.state, held.lease_owner) == ("delivering", "w1")
    assert await store.webhooks.lease(sub_id, owner="w2", now=f.at(11),
                                      until=f.at(11) + LEASE, limit=10) == []
    done = outcome(sooner.id, "delivered", delivered_at=f.at(12))
    assert await store.webhooks.finish_many([done], owner="w2") == 0
    assert await store.webhooks.finish_many([done], owner="w1") == 1
    stored = await store.webhooks.get_delivery(sooner.id)
    assert stored is not None and (stored.state, stored.response_status, stored.attempts,
                                   stored.latency_ms, stored.delivered_at, stored.lease_owner,
                                   stored.next_attempt_at, stored.data) == (
        "delivered", 204, 1, 12.5, f.at(12), None, f.at(0), {"person_id": "p1"})
    # w1 died holding `later`: once its lease expires another worker takes it
    retaken = await store.webhooks.lease(sub_id, owner="w2", now=f.at(10) + LEASE * 2,
                                         until=f.at(200), limit=10)
    assert [d.id for d in retaken] == [future.id, later.id]  # event time order


async def test_concurrent_claimers_never_share_a_delivery(store: Store) -> None:
    sub_id = new_id()
    await store.webhooks.add_deliveries([delivery(sub_id, i) for i in range(20)])

    async def claim(n: int) -> list[str]:
        got = await store.webhooks.lease(sub_id, owner=f"w{n}", now=f.at(60),
                                         until=f.at(60) + LEASE, limit=3)
        return [d.id for d in got]

    claimed = [i for ids in await asyncio.gather(*(claim(n) for n in range(10))) for i in ids]
    assert len(claimed) == len(set(claimed)) == 20


async def test_log_newest_first_and_replay_one_or_a_range(store: Store) -> None:
    sub_id = new_id()
    made = [delivery(sub_id, i, state="delivered") for i in range(1, 5)]
    await store.webhooks.add_deliveries(made)
    log = await store.webhooks.deliveries(sub_id, limit=3)
    assert [d.id for d in log] == [made[3].id, made[2].id, made[1].id]
    assert [d.id for d in await store.webhooks.deliveries(sub_id, limit=5, before=f.at(2))] \
        == [made[0].id]
    assert await store.webhooks.replay(sub_id, delivery_id=made[0].id, now=f.at(9)) == 1
    assert await store.webhooks.replay(sub_id, start=f.at(2), end=f.at(4), now=f.at(9)) == 2
    states = {d.id: d.state for d in await store.webhooks.deliveries(sub_id, limit=9)}
    assert [states[d.id] for d in made] == ["pending", "pending", "pending", "delivered"]
    assert await store.webhooks.replay(sub_id, delivery_id=made[0].id, now=f.at(9)) == 0


async def test_erasure_removes_payloads_and_blocks_replay(store: Store) -> None:
    sub_id = new_id()
    sent = delivery(sub_id, 1, state="delivered", data={"name": "Anna"},
                    person_ids=["p-erased"])
    waiting = delivery(sub_id, 2, data={"name": "Anna"}, person_ids=["p-erased"])
    kept = delivery(sub_id, 3, state="delivered", data={"name": "Bob"}, person_ids=["p-2"])
    await store.webhooks.add_deliveries([sent, waiting, kept])
    event = OutboxEvent(id=new_id(), type="person.created", data={"name": "Anna"},
                        person_ids=["p-erased"])
    await store.webhooks.emit(event)
    await store.webhooks.erase_person("p-erased")
    by_id = {d.id: d for d in await store.webhooks.deliveries(sub_id, limit=9)}
    assert by_id[sent.id].data == {} and by_id[sent.id].erased
    assert by_id[waiting.id].state == "cancelled" and by_id[waiting.id].data == {}
    assert by_id[kept.id].data == {"name": "Bob"}
    assert [e.data for e in await store.webhooks.unfanned(limit=9)] == [{}]
    assert await store.webhooks.replay(sub_id, start=f.at(0), end=f.at(9), now=f.at(9)) == 1


async def test_finish_many_records_only_what_the_owner_still_holds(store: Store) -> None:
    sub_id = new_id()
    await store.webhooks.add_deliveries([delivery(sub_id, i) for i in range(3)])
    mine = await store.webhooks.lease(sub_id, owner="w1", now=f.at(10), until=f.at(70),
                                      limit=2)
    done = [outcome(d.id, "delivered") for d in mine]
    assert await store.webhooks.finish_many(done, owner="w2") == 0
    assert await store.webhooks.finish_many(done, owner="w1") == 2
    assert await store.webhooks.finish_many([], owner="w1") == 0
    states = sorted(d.state for d in await store.webhooks.deliveries(sub_id, limit=5))
    assert states == ["delivered", "delivered", "pending"]


async def test_a_retry_is_stored_and_released_ones_keep_their_last_outcome(store: Store
                                                                           ) -> None:
    sub_id = new_id()
    first, second = delivery(sub_id, 1), delivery(sub_id, 2)
    await store.webhooks.add_deliveries([first, second])
    await store.webhooks.lease(sub_id, owner="w1", now=f.at(10), until=f.at(70), limit=2)
    failed = outcome(first.id, "pending", status=500, error="the target answered 500",
                     next_attempt_at=f.at(20))
    again = outcome(second.id, "pending", status=503, error="the target answered 503",
                    next_attempt_at=f.at(20))
    assert await store.webhooks.finish_many([failed, again], owner="w1") == 2
    taken = await store.webhooks.lease(sub_id, owner="w2", now=f.at(20), until=f.at(80),
                                       limit=2)
    assert [(d.id, d.attempts) for d in taken] == [(first.id, 1), (second.id, 1)]
    # the first fails again; the second was leased but not posted: back as it was
    assert await store.webhooks.finish_many(
        [outcome(first.id, "pending", status=500, attempts=2, next_attempt_at=f.at(40))],
        owner="w2", release=[second.id]) == 2
    by_id = {d.id: d for d in await store.webhooks.deliveries(sub_id, limit=5)}
    assert (by_id[first.id].attempts, by_id[first.id].next_attempt_at) == (2, f.at(40))
    kept = by_id[second.id]
    assert (kept.state, kept.attempts, kept.response_status, kept.error, kept.lease_owner,
            kept.next_attempt_at) == ("pending", 1, 503, "the target answered 503", None,
                                      f.at(20))
    assert await store.webhooks.finish_many([], owner="w2", release=[second.id]) == 0


async def test_prune_outbox_deletes_only_old_fanned_out_rows(store: Store) -> None:
    old_fanned = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(1))
    old_waiting = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(2))
    new_fanned = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(50))
    await store.webhooks.emit_many([old_fanned, old_waiting, new_fanned])
    await store.webhooks.mark_fanned([old_fanned.id, new_fanned.id])
    assert await store.webhooks.prune_outbox(before=f.at(10)) == 1
    assert await store.webhooks.prune_outbox(before=f.at(10)) == 0
    assert [e.id for e in await store.webhooks.unfanned(limit=9)] == [old_waiting.id]
    await store.webhooks.mark_fanned([old_waiting.id])
    assert await store.webhooks.prune_outbox(before=f.at(60)) == 2
    await store.webhooks.emit(old_fanned)  # a repeated emit after pruning: fanned out again,
    assert [e.id for e in await store.webhooks.unfanned(limit=9)] == [old_fanned.id]
    # where the unique (subscription, event) delivery keeps it from being sent twice


async def test_emit_many_writes_a_batch_once(store: Store) -> None:
    rows = [OutboxEvent(id=f"event.sms.inbound:{n}", type="event.sms.inbound",
                        occurred_at=f.at(n)) for n in range(3)]
    assert await store.webhooks.emit_many(rows) == 3
    assert await store.webhooks.emit_many([*rows[1:], OutboxEvent(
        id="person.created:p9", type="person.created", occurred_at=f.at(9))]) == 1
    assert await store.webhooks.emit_many([]) == 0
    assert [e.id for e in await store.webhooks.unfanned(limit=10)] == [
        *(r.id for r in rows), "person.created:p9"]


async def test_fan_out_copies_the_payload_once_per_subscription(store: Store) -> None:
    event = OutboxEvent(id=f"event.sms.inbound:{new_id()}", type="event.sms.inbound",
                        occurred_at=f.at(5), data={"text": "Hoi, waar blijft mijn pakket?",
                                                   "tags": ["a", 1]}, person_ids=["p1"])
    await store.webhooks.emit(event)
    first, second = new_id(), new_id()
    plan = [("msg_a", first, event), ("msg_b", second, event)]
    assert await store.webhooks.fan_out(plan, fanned=[event.id], now=f.at(6)) == 2
    assert await store.webhooks.unfanned(limit=5) == []
    assert await store.webhooks.fan_out([("msg_c", first, event)], fanned=[event.id],
                                        now=f.at(7)) == 0  # a repeat after a crash
    [taken] = await store.webhooks.lease(second, owner="w", now=f.at(6), until=f.at(60),
                                         limit=5)
    stored = await store.webhooks.get_delivery("msg_b")
    assert stored is not None and (stored.event_id, stored.type, stored.occurred_at,
                                   stored.data, stored.person_ids, stored.attempts) == (
        event.id, event.type, f.at(5), event.data, ["p1"], 0)
    assert json.loads(taken.body()) == stored.body()
    await store.webhooks.erase_person("p1")
    erased = await store.webhooks.get_delivery("msg_a")
    assert erased is not None and erased.data == {} and erased.state == "cancelled"


class _NoPosts:
    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> PostResult:
        raise AssertionError("nothing is posted here")


async def test_the_worker_prunes_old_fanned_out_events_and_keeps_recent_ones(
        store: Store) -> None:
    old = OutboxEvent(id=new_id(), type="person.created", occurred_at=utcnow() - timedelta(
        days=8))
    recent = OutboxEvent(id=new_id(), type="person.created",
                         occurred_at=utcnow() - timedelta(days=6))
    waiting = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(1))
    await store.webhooks.emit_many([old, recent])
    worker = WebhookWorker(store, _NoPosts(), outbox_retention=timedelta(days=7))
    assert await worker.fan_out() == 2  # no subscription: fanned out to nobody
    await store.webhooks.emit(waiting)
    assert await worker.prune_outbox() == 1
    assert await worker.prune_outbox() == 0  # not again within PRUNE_EVERY_S
    assert [e.id for e in await store.webhooks.unfanned(limit=5)] == [waiting.id]
    await store.webhooks.emit(recent)  # still stored (fanned out): a repeat adds no row
    await store.webhooks.emit(old)  # pruned: a repeat is a new row (its deliveries are
    assert [e.id for e in await store.webhooks.unfanned(limit=5)] == [waiting.id, old.id]
    assert await worker.prune_outbox(force=True) == 0  # unique per subscription and event)


async def test_prune_deliveries_deletes_only_finished_ones_past_the_retention(
        store: Store) -> None:
    sub_id, other_id = new_id(), new_id()
    delivered_long_ago = delivery(sub_id, 1, state="delivered", delivered_at=f.at(2))
    failed = delivery(sub_id, 2, state="failed", next_attempt_at=f.at(3))
    cancelled = delivery(sub_id, 3, state="cancelled")
    recent = delivery(sub_id, 4, state="delivered", delivered_at=f.at(50))
    retried_lately = delivery(sub_id, 5, state="failed", next_attempt_at=f.at(40))
    waiting = delivery(sub_id, 6)  # pending since f.at(0): open, kept whatever its age
    leased = delivery(sub_id, 7)
    shared = delivery(other_id, 1, event_id=delivered_long_ago.event_id)  # same event, open
    await store.webhooks.add_deliveries([delivered_long_ago, failed, cancelled, recent,
                                         retried_lately, waiting, leased, shared])
    assert [d.id for d in await store.webhooks.lease(
        sub_id, owner="w1", now=f.at(0), until=f.at(1), limit=2)] == [waiting.id, leased.id]
    await store.webhooks.finish_many([], owner="w1", release=[waiting.id])
    assert await store.webhooks.prune_deliveries(before=f.at(10)) == 3
    assert await store.webhooks.prune_deliveries(before=f.at(10)) == 0
    left = await store.webhooks.deliveries(sub_id, limit=10)
    assert sorted(d.id for d in left) == sorted([recent.id, retried_lately.id, waiting.id,
                                                 leased.id])
    assert await store.webhooks.get_delivery(delivered_long_ago.id) is None
    # the event's payload stays while one of its deliveries does
    kept = await store.webhooks.get_delivery(shared.id)
    assert kept is not None and kept.data == {"person_id": "p1"}
    assert await store.webhooks.replay(sub_id, start=f.at(0), end=f.at(3), now=f.at(60)) == 0


async def test_the_worker_prunes_the_delivery_log_past_its_retention(store: Store) -> None:
    sub_id = new_id()
    now = utcnow()
    old = delivery(sub_id, 1, state="delivered", occurred_at=now - timedelta(days=40),
                   next_attempt_at=now - timedelta(days=40),
                   delivered_at=now - timedelta(days=31))
    young = delivery(sub_id, 2, state="delivered", occurred_at=now - timedelta(days=40),
                     next_attempt_at=now - timedelta(days=40),
                     delivered_at=now - timedelta(days=29))  # replayed lately
    await store.webhooks.add_deliveries([old, young])
    worker = WebhookWorker(store, _NoPosts(), log_retention=timedelta(days=30))
    await worker.prune_outbox(force=True)
    assert [d.id for d in await store.webhooks.deliveries(sub_id, limit=5)] == [young.id]


async def test_unfanned_ids_oldest_first_and_a_large_batch_marked_in_one_call(
        store: Store) -> None:
    events = [OutboxEvent(id=f"person.created:{n:04d}", type="person.created",
                          occurred_at=f.at(1) + timedelta(milliseconds=n)) for n in range(620)]
    await store.webhooks.emit_many(list(reversed(events)))
    ids = [e.id for e in events]
    assert await store.webhooks.unfanned_ids(limit=3) == ids[:3]
    assert await store.webhooks.unfanned_ids(limit=0) == []
    await store.webhooks.mark_fanned(ids[:610])  # more than one UPDATE's worth on SQLite
    assert await store.webhooks.unfanned_ids(limit=20) == ids[610:]
    assert [e.id for e in await store.webhooks.unfanned(limit=20)] == ids[610:]


async def test_with_no_subscription_the_outbox_is_marked_and_a_new_one_gets_what_follows(
        store: Store) -> None:
    before = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(1),
                         emitted_at=utcnow() - timedelta(minutes=5))
    await store.webhooks.emit(before)
    worker = WebhookWorker(store, _NoPosts())
    assert await worker.fan_out() == 1  # to nobody
    assert await store.webhooks.unfanned_ids(limit=5) == []
    sub = subscription()
    await store.webhooks.add_subscription(sub)
    after = OutboxEvent(id=new_id(), type="person.created", occurred_at=f.at(2))
    await store.webhooks.emit(after)
    assert await worker.fan_out() == 1
    assert [d.event_id for d in await store.webhooks.deliveries(sub.id, limit=5)] == [after.id]

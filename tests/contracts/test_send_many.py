"""A chunk of campaign sends started and finished in one store call (`start_send_many`,
`finish_send_many`, or both at once with `record_sends`; one transaction on SQLite): each
send on its own terms, exactly as `start_send` and `finish_send` one at a time would have
written it."""

from __future__ import annotations

from hub.domain.campaigns import Delivery
from hub.domain.common import new_id
from hub.domain.events import StatusChange
from hub.ports import SendEnd, SendStart, Store
from hub.services.webhook_emit import emitting
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record
from tests.contracts.test_deliveries import LEASE, queued


async def leased_many(store: Store, n: int, owner: str = "w1") -> list[Delivery]:
    campaign_id = new_id()
    await queued(store, campaign_id, n)
    now = f.at()
    return await store.deliveries.lease(campaign_id, owner=owner, now=now, until=now + LEASE,
                                        limit=n)


def starts_of(deliveries: list[Delivery]) -> list[SendStart]:
    starts = []
    for delivery in deliveries:
        event_id = new_id()
        starts.append(SendStart(
            delivery.model_copy(update={"status": "sending", "channel": "email",
                                        "event_id": event_id, "attempts": 1}),
            f.event(delivery.person_id, id=event_id, channel="email", direction="outbound",
                    status="queued", status_history=[StatusChange(status="queued",
                                                                  at=f.at())],
                    campaign_id=delivery.campaign_id)))
    return starts


async def test_a_chunk_starts_each_send_whose_lease_is_still_held(store: Store) -> None:
    mine = await leased_many(store, 3)
    [theirs] = await leased_many(store, 1, owner="w2")
    starts = starts_of([mine[0], theirs, mine[1], mine[2]])
    assert await store.deliveries.start_send_many(starts, owner="w1") == [
        True, False, True, True]
    for start in (starts[0], starts[2], starts[3]):
        stored = await store.deliveries.get(start.delivery.id)
        assert stored is not None and stored.status == "sending"
        assert stored.event_id == start.event.id
        assert_same_record(await store.events.get(start.event.id), start.event)
    assert_same_record(await store.deliveries.get(theirs.id), theirs)  # untouched
    assert await store.events.get(starts[1].event.id) is None
    # started already: a second start of the same chunk (a late task) writes nothing
    again = starts_of(mine)
    assert await store.deliveries.start_send_many(again, owner="w1") == [False] * 3
    for start in again:
        assert await store.events.get(start.event.id) is None
    assert await store.deliveries.start_send_many([], owner="w1") == []


async def test_a_chunk_finishes_each_send_on_its_own_terms(store: Store) -> None:
    other = f.event(new_id(), channel="email", direction="outbound", external_id="<dup@x>")
    await store.events.append(other)
    taken = await leased_many(store, 3)
    starts = starts_of(taken)
    assert await store.deliveries.start_send_many(starts, owner="w1") == [True] * 3
    change = StatusChange(status="sent", detail="250 OK", at=f.at(1))

    def end(start: SendStart, provider_id: str | None) -> SendEnd:
        return SendEnd(start.delivery.model_copy(update={
            "status": "sent", "provider_id": provider_id, "lease_until": None}),
            provider_id, change)

    ends = [end(starts[0], "<m0@x>"), end(starts[1], "<dup@x>"), end(starts[2], None)]
    assert await store.deliveries.finish_send_many(ends, owner="w1") == [True] * 3
    first = await store.events.get(starts[0].event.id)
    assert first is not None and first.external_id == "<m0@x>" and first.status == "sent"
    assert [c.status for c in first.status_history] == ["queued", "sent"]
    taken_id = await store.events.get(starts[1].event.id)  # the id another event holds
    assert taken_id is not None and taken_id.external_id is None and taken_id.status == "sent"
    keeper = await store.events.find_by_external("email", "<dup@x>")
    assert keeper is not None and keeper.id == other.id
    for start, provider_id in zip(starts, ("<m0@x>", "<dup@x>", None), strict=True):
        stored = await store.deliveries.get(start.delivery.id)
        assert stored is not None and stored.status == "sent"
        assert stored.provider_id == provider_id
    # a stranger's end records the event's status, not the delivery
    [lost] = await store.deliveries.finish_send_many(
        [SendEnd(ends[2].delivery.model_copy(update={"status": "failed"}), None,
                 StatusChange(status="delivered"))], owner="w2")
    assert not lost
    stored = await store.deliveries.get(starts[2].delivery.id)
    assert stored is not None and stored.status == "sent"
    assert (await store.events.get(starts[2].event.id)).status == "delivered"  # type: ignore[union-attr]
    assert await store.deliveries.finish_send_many([], owner="w1") == []


async def test_a_chunk_emits_each_started_and_finished_send_once(store: Store) -> None:
    emitting(store)
    mine = await leased_many(store, 2)
    [theirs] = await leased_many(store, 1, owner="w2")
    starts = starts_of([mine[0], theirs, mine[1]])
    assert await store.deliveries.start_send_many(starts, owner="w1") == [True, False, True]
    rows = await store.webhooks.unfanned(limit=10)
    assert sorted(r.id for r in rows) == sorted(
        f"event.email.outbound:{s.event.id}" for s in (starts[0], starts[2]))
    ends = [SendEnd(s.delivery.model_copy(update={"status": "sent"}), f"<{s.event.id}@x>",
                    StatusChange(status="sent")) for s in (starts[0], starts[2])]
    for _ in range(2):  # a retried record is the same row
        assert await store.deliveries.finish_send_many(ends, owner="w1") == [True, True]
    statuses = [r for r in await store.webhooks.unfanned(limit=10)
                if r.type == "delivery.status"]
    assert sorted((r.id, r.data["external_id"]) for r in statuses) == sorted(
        (f"delivery.status:{s.event.id}:sent", f"<{s.event.id}@x>")
        for s in (starts[0], starts[2]))


async def test_ends_and_a_chunks_starts_recorded_in_one_call(store: Store) -> None:
    emitting(store)
    first = await leased_many(store, 2)
    begun = starts_of(first)
    assert await store.deliveries.start_send_many(begun, owner="w1") == [True, True]
    ends = [SendEnd(s.delivery.model_copy(update={"status": "sent", "lease_until": None}),
                    f"<{s.event.id}@x>", StatusChange(status="sent")) for s in begun]
    mine = await leased_many(store, 2)
    [theirs] = await leased_many(store, 1, owner="w2")
    starts = starts_of([mine[0], theirs, mine[1]])
    assert await store.deliveries.record_sends(ends, starts, owner="w1") == (
        [True, True], [True, False, True])
    for start in begun:
        stored = await store.deliveries.get(start.delivery.id)
        assert stored is not None and stored.status == "sent"
        event = await store.events.get(start.event.id)
        assert event is not None and event.status == "sent"
        assert event.external_id == f"<{start.event.id}@x>"
    for start in (starts[0], starts[2]):
        stored = await store.deliveries.get(start.delivery.id)
        assert stored is not None and stored.status == "sending"
        assert stored.event_id == start.event.id
        assert_same_record(await store.events.get(start.event.id), start.event)
    assert await store.events.get(starts[1].event.id) is None
    assert_same_record(await store.deliveries.get(theirs.id), theirs)
    rows = {r.id for r in await store.webhooks.unfanned(limit=20)}
    assert {f"delivery.status:{s.event.id}:sent" for s in begun} <= rows
    assert {f"event.email.outbound:{s.event.id}" for s in (starts[0], starts[2])} <= rows
    assert f"event.email.outbound:{starts[1].event.id}" not in rows
    # either side may be empty
    assert await store.deliveries.record_sends([], [], owner="w1") == ([], [])

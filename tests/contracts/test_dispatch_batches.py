"""What the dispatch worker needs per leased batch, on every backend: households,
organisations and roles of many records in one query each, and the two writes around one
send (`start_send` before the hand-over, `finish_send` after it)."""

from __future__ import annotations

from hub.domain.campaigns import Delivery
from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, ids
from tests.contracts.test_deliveries import LEASE, queued


async def test_households_get_many_in_id_order(store: Store) -> None:
    made = [f.household() for _ in range(4)]
    for household in made:
        await store.households.insert(household)
    wanted = [made[3].id, made[0].id, new_id(), made[3].id]
    found = await store.households.get_many(wanted)
    assert ids(found) == sorted([made[0].id, made[3].id])
    assert_same_record(found[0], min(made[0], made[3], key=lambda h: h.id))
    assert await store.households.get_many([]) == []
    assert await store.households.get_many([new_id()]) == []


async def test_organisations_get_many_in_id_order(store: Store) -> None:
    made = [f.full_organisation() for _ in range(3)]
    for organisation in made:
        await store.organisations.insert(organisation)
    found = await store.organisations.get_many([o.id for o in made] + [new_id()])
    assert ids(found) == sorted(ids(made))
    for stored in found:
        assert_same_record(stored, next(o for o in made if o.id == stored.id))
    assert await store.organisations.get_many([]) == []


async def test_roles_for_persons_in_one_query(store: Store) -> None:
    org = f.organisation()
    await store.organisations.insert(org)
    alice, bob, carol = new_id(), new_id(), new_id()
    roles = [f.role(alice, org.id), f.role(alice, org.id), f.role(bob, org.id),
             f.role(carol, org.id)]
    for role in roles:
        await store.roles.insert(role)
    found = await store.roles.for_persons([alice, bob, new_id(), alice])
    assert ids(found) == sorted(ids(roles[:3]))
    for person_id in (alice, bob):
        mine = [r for r in found if r.person_id == person_id]
        assert ids(mine) == ids(await store.roles.for_person(person_id))
    assert await store.roles.for_persons([]) == []


async def leased(store: Store, owner: str = "w1") -> Delivery:
    campaign_id = new_id()
    await queued(store, campaign_id, 1)
    now = f.at()
    [taken] = await store.deliveries.lease(campaign_id, owner=owner, now=now,
                                           until=now + LEASE, limit=1)
    return taken


def outbound(delivery: Delivery, event_id: str) -> tuple[Delivery, Event]:
    sending = delivery.model_copy(update={"status": "sending", "channel": "email",
                                          "event_id": event_id, "attempts": 1})
    event = f.event(delivery.person_id, id=event_id, channel="email", direction="outbound",
                    status="queued", status_history=[StatusChange(status="queued",
                                                                  at=f.at())],
                    campaign_id=delivery.campaign_id)
    return sending, event


async def test_start_send_writes_the_delivery_then_its_event(store: Store) -> None:
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert await store.deliveries.start_send(sending, event, owner="w1")
    stored = await store.deliveries.get(taken.id)
    assert stored is not None and stored.status == "sending"
    assert stored.event_id == event.id
    assert_same_record(await store.events.get(event.id), event)


async def test_start_send_of_a_lost_lease_writes_nothing(store: Store) -> None:
    taken = await leased(store)
    sending, event = outbound(taken, new_id())
    assert not await store.deliveries.start_send(sending, event, owner="w2")
    assert_same_record(await store.deliveries.get(taken.id), taken)
    assert await store.events.get(event.id) is None


async def test_start_send_only_once_per_lease_even_for_the_same_owner(store: Store) -> None:
    """A task of worker w1 waited for the rate past its lease; w1 leased the delivery again
    and another of its tasks started first: the late task must not send a second time."""
    taken = await leased(store)
    first, first_event = outbound(taken, new_id())
    second, second_event = outbound(taken, new_id())
    assert await store.deliveries.start_send(first, first_event, owner="w1")
    assert not await store.deliveries.start_send(second, second_event, owner="w1")
    stored = await store.deliveries.get(taken.id)
    assert stored is not None and stored.event_id == first_event.id
    assert await store.events.get(second_event.id) is None


async def test_finish_send_records_provider_id_status_and_sent(store: Store) -> None:
    taken = await leased(store)
    event_id = new_id()
    sending, event = outbound(taken, event_id)
    assert await store.deliveries.start_send(sending, event, owner="w1")
    sent = sending.model_copy(update={"status": "sent", "provider_id": "<m1@x>",
                                      "lease_until": None})
    change = StatusChange(status="sent", detail="250 OK", at=f.at(1))
    assert await store.deliveries.finish_send(sent, owner="w1", provider_id="<m1@x>",
                                              change=change)
    stored = await store.events.get(event_id)
    assert stored is not None and stored.external_id == "<m1@x>" and stored.status == "sent"
    assert [c.status for c in stored.status_history] == ["queued", "sent"]
    assert stored.status_history[-1].detail == "250 OK"
    found = await store.events.find_by_external("email", "<m1@x>")
    assert found is not None and found.id == event_id
    delivery = await store.deliveries.get(taken.id)
    assert delivery is not None and delivery.status == "sent"
    assert delivery.provider_id == "<m1@x>"


async def test_finish_send_with_a_taken_provider_id_still_records_the_send(
    store: Store,
) -> None:
    other = f.event(new_id(), channel="email", direction="outbound", external_id="<dup@x>")
    await store.events.append(other)
    taken = await leased(store)
    event_id = new_id()
    sending, event = outbound(taken, event_id)
    assert await store.deliveries.start_send(sending, event, owner="w1")
    sent = sending.model_copy(update={"status": "sent", "provider_id": "<dup@x>"})
    assert await store.deliveries.finish_send(
        sent, owner="w1", provider_id="<dup@x>", change=StatusChange(status="sent"))
    stored = await store.events.get(event_id)
    assert stored is not None and stored.external_id is None and stored.status == "sent"
    delivery = await store.deliveries.get(taken.id)
    assert delivery is not None and delivery.status == "sent"
    keeper = await store.events.find_by_external("email", "<dup@x>")
    assert keeper is not None and keeper.id == other.id


async def test_finish_send_without_provider_id_and_by_a_stranger(store: Store) -> None:
    taken = await leased(store)
    event_id = new_id()
    sending, event = outbound(taken, event_id)
    assert await store.deliveries.start_send(sending, event, owner="w1")
    sent = sending.model_copy(update={"status": "sent"})
    assert not await store.deliveries.finish_send(
        sent, owner="w2", provider_id=None, change=StatusChange(status="queued"))
    delivery = await store.deliveries.get(taken.id)
    assert delivery is not None and delivery.status == "sending"
    assert await store.deliveries.finish_send(
        sent, owner="w1", provider_id=None, change=StatusChange(status="queued"))
    stored = await store.events.get(event_id)
    assert stored is not None and stored.external_id is None
    assert [c.status for c in stored.status_history] == ["queued", "queued", "queued"]

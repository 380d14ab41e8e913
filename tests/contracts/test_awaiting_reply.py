"""store.events.awaiting_reply (the staff inbox) and postcode look-ups, on every backend."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.parties import Address
from hub.ports import Store
from tests.contracts import factories as f


async def add(store: Store, person_id: str, seconds: float, channel: str, direction: str) -> None:
    await store.events.append(f.event(person_id, channel=channel, direction=direction,
                                      occurred_at=f.at(seconds)))


async def test_unanswered_inbound_waits_oldest_first(store: Store) -> None:
    early, late, answered = new_id(), new_id(), new_id()
    await add(store, late, 50, "sms", "inbound")
    await add(store, early, 10, "email", "inbound")
    await add(store, early, 20, "email", "inbound")
    await add(store, answered, 5, "email", "inbound")
    await add(store, answered, 6, "email", "outbound")
    found = await store.events.awaiting_reply(limit=10)
    assert [a.person_id for a in found] == [early, late]
    assert found[0].since == f.at(10)
    assert found[0].last_inbound == f.at(20)


async def test_wait_starts_after_the_last_answer(store: Store) -> None:
    person = new_id()
    await add(store, person, 1, "email", "inbound")
    await add(store, person, 2, "sms", "outbound")
    await add(store, person, 3, "webform", "inbound")
    await add(store, person, 4, "sms", "inbound")
    [found] = await store.events.awaiting_reply(limit=10)
    assert found.since == f.at(3)


async def test_calls_system_events_answer_and_notes_do_not(store: Store) -> None:
    called, closed, noted = new_id(), new_id(), new_id()
    for person in (called, closed, noted):
        await add(store, person, 1, "email", "inbound")
    await add(store, called, 2, "call", "inbound")
    await add(store, closed, 2, "system", "internal")
    await add(store, noted, 2, "note", "internal")
    assert [a.person_id for a in await store.events.awaiting_reply(limit=10)] == [noted]


async def test_limit_and_no_inbound(store: Store) -> None:
    await add(store, new_id(), 1, "email", "outbound")
    assert await store.events.awaiting_reply(limit=10) == []
    for i in range(3):
        await add(store, new_id(), i, "sms", "inbound")
    assert len(await store.events.awaiting_reply(limit=2)) == 2
    assert await store.events.awaiting_reply(limit=0) == []


async def test_households_and_organisations_by_postcode(store: Store) -> None:
    home = f.household(address=Address(postcode="1234 AB", city="Utrecht"))
    await store.households.insert(home)
    await store.households.insert(f.household(address=Address(postcode="9999 ZZ")))
    firm = f.organisation(address=Address(postcode="1234ab"))
    await store.organisations.insert(firm)
    assert [h.id for h in await store.households.with_postcode("1234ab")] == [home.id]
    assert [h.id for h in await store.households.with_postcode(" 1234 AB ")] == [home.id]
    assert [o.id for o in await store.organisations.with_postcode("1234 AB")] == [firm.id]
    assert await store.households.with_postcode("1234") == []
    assert await store.households.with_postcode("  ") == []


async def test_a_campaign_or_triggered_survey_does_not_answer_a_waiting_person(
        store: Store) -> None:
    mailed, surveyed, replied = new_id(), new_id(), new_id()
    for person in (mailed, surveyed, replied):
        await add(store, person, 1, "webform", "inbound")
    await store.events.append(f.event(mailed, channel="email", direction="outbound",
                                      occurred_at=f.at(2), campaign_id=new_id()))
    await store.events.append(f.event(surveyed, channel="sms", direction="outbound",
                                      occurred_at=f.at(2), data={"purpose": "marketing"}))
    await store.events.append(f.event(replied, channel="email", direction="outbound",
                                      occurred_at=f.at(2), data={"purpose": "service"}))
    found = await store.events.awaiting_reply(limit=10)
    assert sorted(a.person_id for a in found) == sorted([mailed, surveyed])
    assert all(a.since == f.at(1) for a in found)

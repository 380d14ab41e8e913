"""store.events: natural-key look-up, external ids set after a send, replace, latest outbound."""

from __future__ import annotations

import asyncio

import pytest

from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event, StatusChange, TimelineQuery
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record

WRITERS = 50


def outbound_sms(person_id: str, seconds: float, **overrides: object) -> Event:
    fields: dict[str, object] = {"channel": "sms", "direction": "outbound",
                                 "occurred_at": f.at(seconds), "text": f"campaign {seconds}"}
    return f.event(person_id, **(fields | overrides))


# --- find_by_external ---------------------------------------------------------------------


async def test_find_by_external_round_trips(store: Store) -> None:
    event = f.full_event(new_id())
    await store.events.append(event)
    assert event.external_id is not None
    assert_same_record(await store.events.find_by_external("email", event.external_id), event)


async def test_find_by_external_is_per_channel(store: Store) -> None:
    event = f.event(new_id(), channel="sms", direction="inbound", external_id="SM1")
    await store.events.append(event)
    assert await store.events.find_by_external("call", "SM1") is None
    assert await store.events.find_by_external("sms", "SM2") is None
    found = await store.events.find_by_external("sms", "SM1")
    assert found is not None
    assert found.id == event.id


# --- set_external_id ----------------------------------------------------------------------


async def test_set_external_id_gives_a_sent_event_its_provider_id(store: Store) -> None:
    event = outbound_sms(new_id(), 0, status="queued")
    await store.events.append(event)
    assert event.external_id is None

    await store.events.set_external_id(event.id, "SMabc")

    expected = event.model_copy(update={"external_id": "SMabc"})
    assert_same_record(await store.events.get(event.id), expected)
    assert_same_record(await store.events.find_by_external("sms", "SMabc"), expected)
    # the key now dedupes a replayed append
    stored, inserted = await store.events.append(outbound_sms(new_id(), 5, external_id="SMabc"))
    assert (stored.id, inserted) == (event.id, False)


async def test_set_external_id_keeps_status_history(store: Store) -> None:
    event = outbound_sms(new_id(), 0)
    await store.events.append(event)
    change = StatusChange(status="sent", at=f.at(1))
    await store.events.add_status(event.id, change)
    await store.events.set_external_id(event.id, "SMkeep")
    stored = await store.events.get(event.id)
    assert stored is not None
    assert stored.status_history == [change]
    assert stored.external_id == "SMkeep"


async def test_set_external_id_taken_on_the_channel_raises_duplicate_key(store: Store) -> None:
    holder = f.event(new_id(), channel="sms", direction="inbound", external_id="SMtaken")
    event = outbound_sms(new_id(), 0)
    await store.events.append(holder)
    await store.events.append(event)

    with pytest.raises(DuplicateKey):
        await store.events.set_external_id(event.id, "SMtaken")

    assert_same_record(await store.events.get(event.id), event)
    assert_same_record(await store.events.find_by_external("sms", "SMtaken"), holder)


async def test_set_external_id_used_on_another_channel_is_fine(store: Store) -> None:
    await store.events.append(f.event(new_id(), channel="call", direction="inbound",
                                      external_id="X1"))
    event = outbound_sms(new_id(), 0)
    await store.events.append(event)
    await store.events.set_external_id(event.id, "X1")
    found = await store.events.find_by_external("sms", "X1")
    assert found is not None
    assert found.id == event.id


async def test_set_external_id_again_to_the_same_value_is_a_no_op(store: Store) -> None:
    event = outbound_sms(new_id(), 0, external_id="SMsame")
    await store.events.append(event)
    await store.events.set_external_id(event.id, "SMsame")
    assert_same_record(await store.events.get(event.id), event)


async def test_set_external_id_can_change_it_and_frees_the_old_key(store: Store) -> None:
    event = outbound_sms(new_id(), 0, external_id="SMold")
    await store.events.append(event)
    await store.events.set_external_id(event.id, "SMnew")
    assert await store.events.find_by_external("sms", "SMold") is None
    other = outbound_sms(new_id(), 1, external_id="SMold")
    assert (await store.events.append(other))[1] is True


async def test_set_external_id_of_a_missing_event_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.events.set_external_id(new_id(), "SMnobody")
    assert await store.events.find_by_external("sms", "SMnobody") is None


async def test_concurrent_set_external_id_of_one_key_has_one_winner(store: Store) -> None:
    person_id = new_id()
    events = [outbound_sms(person_id, i) for i in range(WRITERS)]
    assert await store.events.append_many(events) == WRITERS

    results = await asyncio.gather(
        *(store.events.set_external_id(e.id, "SMrace") for e in events), return_exceptions=True
    )

    winners = [e for e, r in zip(events, results, strict=True) if r is None]
    errors = [r for r in results if r is not None]
    assert len(winners) == 1, results
    assert all(isinstance(e, DuplicateKey) for e in errors), errors
    found = await store.events.find_by_external("sms", "SMrace")
    assert found is not None
    assert found.id == winners[0].id


# --- replace ------------------------------------------------------------------------------


async def test_replace_enriches_a_call_event(store: Store) -> None:
    person_id = new_id()
    call = f.call_event(person_id, status="ringing", call=CallInfo())
    await store.events.append(call)
    enriched = call.model_copy(update={
        "status": "completed",
        "call": CallInfo(duration_s=184, wait_s=12, agent="agent-7", outcome="resolved"),
        "status_history": [StatusChange(status="completed", at=f.at(200))],
        "data": {"recording": False},
    })

    await store.events.replace(enriched)

    assert_same_record(await store.events.get(call.id), enriched)
    assert call.external_id is not None
    assert_same_record(await store.events.find_by_external("call", call.external_id), enriched)
    page = await store.events.timeline(TimelineQuery(person_ids=[person_id]), limit=10)
    assert [e.id for e in page] == [call.id]
    assert_same_record(page[0], enriched)


async def test_replace_moves_the_indexed_fields(store: Store) -> None:
    old_person, new_person = new_id(), new_id()
    event = f.event(old_person, channel="note", direction="internal")
    await store.events.append(event)
    changed = event.model_copy(update={
        "person_id": new_person, "channel": "sms", "direction": "outbound",
        "occurred_at": f.at(60), "external_id": "SMmoved",
    })

    await store.events.replace(changed)

    assert await store.events.count_for_person(old_person) == 0
    assert await store.events.count_for_person(new_person) == 1
    assert_same_record(await store.events.find_by_external("sms", "SMmoved"), changed)
    assert_same_record(await store.events.latest_outbound(new_person, "sms", f.at(0)), changed)
    sms_only = TimelineQuery(person_ids=[new_person], channel="sms")
    assert [e.id for e in await store.events.timeline(sms_only, limit=5)] == [event.id]


async def test_replace_missing_event_raises_not_found(store: Store) -> None:
    event = f.full_event(new_id())
    with pytest.raises(NotFound):
        await store.events.replace(event)
    assert await store.events.get(event.id) is None


async def test_replace_onto_a_taken_external_id_raises_duplicate_key(store: Store) -> None:
    holder = f.call_event(new_id(), external_id="CAheld")
    event = f.call_event(new_id())
    await store.events.append(holder)
    await store.events.append(event)

    with pytest.raises(DuplicateKey):
        await store.events.replace(event.model_copy(update={"external_id": "CAheld"}))

    assert_same_record(await store.events.get(event.id), event)
    assert_same_record(await store.events.find_by_external("call", "CAheld"), holder)


# --- latest_outbound ----------------------------------------------------------------------


async def test_latest_outbound_is_the_newest_outbound_on_the_channel(store: Store) -> None:
    person_id, other = new_id(), new_id()
    too_old = outbound_sms(person_id, -100)
    first = outbound_sms(person_id, 10)
    latest = outbound_sms(person_id, 20)
    noise = [
        f.event(person_id, channel="sms", direction="inbound", occurred_at=f.at(30)),
        outbound_sms(person_id, 40, channel="email"),
        outbound_sms(other, 50),
        f.event(person_id, channel="sms", direction="internal", occurred_at=f.at(60)),
    ]
    for event in [latest, too_old, *noise, first]:
        await store.events.append(event)

    assert_same_record(await store.events.latest_outbound(person_id, "sms", f.at(0)), latest)
    assert_same_record(await store.events.latest_outbound(person_id, "email", f.at(0)),
                       noise[1])
    assert_same_record(await store.events.latest_outbound(other, "sms", f.at(0)), noise[2])


@pytest.mark.known_bug_on("secantus", "compound index, inclusive bound equal to a stored value")
async def test_latest_outbound_since_is_inclusive(store: Store) -> None:
    person_id = new_id()
    event = outbound_sms(person_id, 10)
    await store.events.append(event)
    assert_same_record(await store.events.latest_outbound(person_id, "sms", f.at(10)), event)
    assert await store.events.latest_outbound(person_id, "sms", f.at(10, ms=1)) is None


@pytest.mark.known_bug_on("secantus", "compound index, inclusive bound equal to a stored value")
async def test_latest_outbound_accepts_since_in_any_zone(store: Store) -> None:
    person_id = new_id()
    event = outbound_sms(person_id, 10)
    await store.events.append(event)
    since = f.at(10).astimezone(f.CET)
    assert_same_record(await store.events.latest_outbound(person_id, "sms", since), event)


async def test_latest_outbound_breaks_ties_by_id(store: Store) -> None:
    person_id = new_id()
    same_time = [outbound_sms(person_id, 5) for _ in range(3)]
    for event in reversed(same_time):
        await store.events.append(event)
    found = await store.events.latest_outbound(person_id, "sms", f.at(0))
    assert found is not None
    assert found.id == max(e.id for e in same_time)


async def test_latest_outbound_none_without_a_match(store: Store) -> None:
    person_id = new_id()
    assert await store.events.latest_outbound(person_id, "sms", f.at(0)) is None
    await store.events.append(f.event(person_id, channel="sms", direction="inbound"))
    assert await store.events.latest_outbound(person_id, "sms", f.at(-10)) is None


# --- recent_outbound ----------------------------------------------------------------------


async def test_recent_outbound_is_per_channel_newest_first_since(store: Store) -> None:
    person = new_id()
    old = outbound_sms(person, 0, status="sent")
    failed = outbound_sms(person, 10, status="failed")
    newest = outbound_sms(new_id(), 20, status="delivered")
    inbound = f.event(person, channel="sms", direction="inbound", occurred_at=f.at(30))
    mail = f.event(person, channel="email", direction="outbound", occurred_at=f.at(40))
    for event in (old, failed, newest, inbound, mail):
        await store.events.append(event)
    found = await store.events.recent_outbound("sms", since=f.at(5), limit=10)
    assert [e.id for e in found] == [newest.id, failed.id]
    assert found[1].status == "failed"
    assert [e.id for e in await store.events.recent_outbound("sms", since=f.at(0), limit=1)
            ] == [newest.id]
    assert await store.events.recent_outbound("sms", since=f.at(0), limit=0) == []
    assert [e.id for e in await store.events.recent_outbound("email", since=f.at(0),
                                                               limit=5)] == [mail.id]


# --- marketing_sent (the frequency cap) -----------------------------------------------------


async def test_marketing_sent_counts_campaign_and_marked_sends_since_a_time(
        store: Store) -> None:
    anna, ben, carl = new_id(), new_id(), new_id()
    await store.events.append_many([
        outbound_sms(anna, 10, campaign_id=new_id()),
        outbound_sms(anna, 20, data={"purpose": "marketing"}),  # a triggered survey
        outbound_sms(anna, 30),  # a service reply: not counted
        outbound_sms(anna, -10, campaign_id=new_id()),  # before `since`
        f.event(anna, channel="sms", direction="inbound", occurred_at=f.at(40),
                campaign_id=new_id()),  # a reply to a campaign: not a send
        outbound_sms(ben, 15, campaign_id=new_id()),
        outbound_sms(carl, 15, data={"purpose": "service"}),
    ])
    counts = await store.events.marketing_sent([anna, ben, carl, new_id()], since=f.at(0))
    assert counts == {anna: 2, ben: 1}
    assert await store.events.marketing_sent([], since=f.at(0)) == {}

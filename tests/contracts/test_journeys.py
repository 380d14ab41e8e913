"""store.journeys and store.enrolments: versions, unique entry keys under a storm, leases
that hand each due enrolment to one advancer, conditional saves, wake-ups and counts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hub.domain.common import new_id
from hub.domain.journeys import Enrolment, Journey, JourneyDefinition, JourneyVersion
from hub.domain.segments import parse_filter, plan
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f

ADVANCERS = 50

DEFINITION = JourneyDefinition.model_validate({
    "trigger": {"kind": "manual"}, "start": "hello",
    "steps": [{"type": "send", "id": "hello", "channel": "email", "templates": {"nl": "t1"},
               "next": "pause"},
              {"type": "wait", "id": "pause", "minutes": 60}]})


def journey(**overrides: object) -> Journey:
    fields: dict[str, object] = {"id": new_id(), "name": "Welkom", "definition": DEFINITION}
    return Journey.model_validate(fields | overrides)


def enrolment(journey_id: str, person_id: str | None = None, **overrides: object) -> Enrolment:
    person_id = person_id or new_id()
    fields: dict[str, object] = {
        "id": new_id(), "journey_id": journey_id, "version": 1, "person_id": person_id,
        "entry_key": person_id, "step_id": "hello", "due_at": f.at(0), "entered_at": f.at(0)}
    return Enrolment.model_validate(fields | overrides)


async def test_journeys_round_trip_and_versions(store: Store) -> None:
    j = journey(status="active")
    await store.journeys.insert(j)
    await store.journeys.insert(journey(status="draft"))
    assert await store.journeys.get(j.id) == j
    assert [x.id for x in await store.journeys.with_status(["active"])] == [j.id]
    changed = j.model_copy(update={"status": "paused", "version": 2})
    await store.journeys.replace(changed)
    assert (await store.journeys.get(j.id)) == changed
    assert await store.journeys.with_status(["active"]) == []
    assert len(await store.journeys.find(limit=10)) == 2

    v1 = JourneyVersion(id=f"{j.id}:1", journey_id=j.id, version=1, definition=DEFINITION)
    await store.journeys.add_version(v1)
    with pytest.raises(DuplicateKey):
        await store.journeys.add_version(v1)
    assert await store.journeys.get_version(j.id, 1) == v1
    assert await store.journeys.get_version(j.id, 2) is None


async def test_a_trigger_storm_enrols_each_person_once(store: Store) -> None:
    journey_id = new_id()
    persons = [new_id() for _ in range(20)]
    # every person's trigger fires five times at once, in single inserts and in bulk
    attempts = [enrolment(journey_id, p) for p in persons for _ in range(5)]
    results = await asyncio.gather(*(store.enrolments.enrol(e) for e in attempts))
    assert sum(results) == len(persons)
    assert await store.enrolments.enrol_many([enrolment(journey_id, p) for p in persons]) == 0
    counts = await store.enrolments.counts(journey_id)
    assert counts.by_state == {"active": len(persons)}
    assert counts.by_step == {"hello": len(persons)}


async def test_fifty_concurrent_advancers_claim_each_due_enrolment_once(store: Store) -> None:
    journey_id = new_id()
    due = [enrolment(journey_id) for _ in range(40)]
    later = enrolment(journey_id, due_at=f.at(3600))
    other_journey = enrolment(new_id())
    await store.enrolments.enrol_many([*due, later, other_journey])

    claims = await asyncio.gather(*(
        store.enrolments.claim_due([journey_id], owner=f"w{i}", now=f.at(1),
                                   until=f.at(61), limit=1)
        for i in range(ADVANCERS)))

    taken = [e.id for claim in claims for e in claim]
    assert sorted(taken) == sorted(e.id for e in due)  # each once, none twice, no other
    assert sum(1 for claim in claims if not claim) == ADVANCERS - len(due)
    for i, claim in enumerate(claims):
        assert all(e.lease_owner == f"w{i}" for e in claim)
    # leased: nobody else gets them until the lease expires
    assert await store.enrolments.claim_due([journey_id], owner="late", now=f.at(2),
                                            until=f.at(62), limit=500) == []
    again = await store.enrolments.claim_due([journey_id], owner="late", now=f.at(61),
                                             until=f.at(121), limit=500)
    assert len(again) == len(due)


async def test_save_is_conditional_on_the_lease(store: Store) -> None:
    e = enrolment(new_id())
    await store.enrolments.enrol(e)
    [mine] = await store.enrolments.claim_due([e.journey_id], owner="a", now=f.at(1),
                                              until=f.at(2), limit=1)
    [theirs] = await store.enrolments.claim_due([e.journey_id], owner="b", now=f.at(3),
                                                until=f.at(60), limit=1)
    moved = mine.model_copy(update={"step_id": "pause", "lease_owner": None,
                                    "lease_until": None})
    assert await store.enrolments.save(moved, owner="a") is False  # b took it over
    assert (await store.enrolments.get(e.id)).step_id == "hello"  # type: ignore[union-attr]
    done = theirs.model_copy(update={"step_id": "pause", "lease_owner": None,
                                     "lease_until": None, "due_at": f.at(3600)})
    assert await store.enrolments.save(done, owner="b") is True
    stored = await store.enrolments.get(e.id)
    assert stored is not None and stored.step_id == "pause" and stored.lease_owner is None
    # released: claimable again when due
    assert await store.enrolments.claim_due([e.journey_id], owner="c", now=f.at(10),
                                            until=f.at(70), limit=1) == []
    assert len(await store.enrolments.claim_due([e.journey_id], owner="c", now=f.at(3600),
                                                until=f.at(3700), limit=1)) == 1


async def test_wake_makes_a_waiting_enrolment_due_now(store: Store) -> None:
    person_id = new_id()
    waiting = enrolment(new_id(), person_id, step_id="pause", due_at=f.at(86400),
                        waiting_since=f.at(0), wait_until=f.at(86400))
    not_waiting = enrolment(new_id(), person_id, due_at=f.at(86400))
    finished = enrolment(new_id(), person_id, state="done", due_at=f.at(86400),
                         waiting_since=f.at(0))
    await store.enrolments.enrol_many([waiting, not_waiting, finished])
    assert await store.enrolments.wake(person_id, f.at(5)) == 1
    [claimed] = await store.enrolments.claim_due(
        [waiting.journey_id, not_waiting.journey_id, finished.journey_id], owner="w",
        now=f.at(5), until=f.at(65), limit=10)
    assert claimed.id == waiting.id and claimed.due_at == f.at(5)


async def test_person_views_and_latest(store: Store) -> None:
    person_id = new_id()
    journey_id = new_id()
    first = enrolment(journey_id, person_id, entry_key=f"{person_id}:1", state="done")
    second = enrolment(journey_id, person_id, entry_key=f"{person_id}:2")
    elsewhere = enrolment(new_id(), person_id)
    await store.enrolments.enrol_many([first, second, elsewhere])
    assert await store.enrolments.latest_for(journey_id, person_id) == second
    assert [e.id for e in await store.enrolments.for_person(person_id, limit=10)] == [
        elsewhere.id, second.id, first.id]
    assert [e.id for e in await store.enrolments.for_journey(journey_id, states=["active"])
            ] == [second.id]
    page = await store.enrolments.for_journey(journey_id, limit=1)
    assert [e.id for e in await store.enrolments.for_journey(
        journey_id, limit=5, after_id=page[0].id)] == [second.id]


async def test_matching_ids_checks_only_the_persons_asked(store: Store) -> None:
    vip = f.person(tags=["vip"])
    plain = f.person()
    merged = f.person(tags=["vip"], merged_into=vip.id)
    for p in (vip, plain, merged):
        await store.persons.insert(p)
    predicate = plan(parse_filter({"field": "tags", "op": "contains", "value": "vip"}),
                     f.at(0) + timedelta(days=1))
    assert await store.persons.matching_ids(predicate, [vip.id, plain.id, merged.id]) == {
        vip.id}
    assert await store.persons.matching_ids(predicate, []) == set()


async def test_a_staff_alert_waits_and_journey_bookkeeping_answers_nothing(store: Store) -> None:
    alerted, replied_to = f.person(), f.person()
    for p in (alerted, replied_to):
        await store.persons.insert(p)
    alert = f.event(alerted.id, channel="system", direction="inbound", occurred_at=f.at(10),
                    data={"inbox": "journey"})
    bookkeeping = f.event(alerted.id, channel="system", direction="internal",
                          occurred_at=f.at(20), data={"purpose": "automation"})
    await store.events.append(alert)
    await store.events.append(bookkeeping)
    # a person who wrote in, then a journey step on their timeline: still waiting
    await store.events.append(f.event(replied_to.id, channel="sms", direction="inbound",
                                      occurred_at=f.at(5)))
    await store.events.append(f.event(replied_to.id, channel="system", direction="internal",
                                      occurred_at=f.at(6), data={"purpose": "automation"}))
    waiting = await store.events.awaiting_reply(limit=10)
    assert [(w.person_id, w.since) for w in waiting] == [(replied_to.id, f.at(5)),
                                                        (alerted.id, f.at(10))]
    # a staff note that needs no reply (a plain system event) answers the alert
    await store.events.append(f.event(alerted.id, channel="system", direction="internal",
                                      occurred_at=f.at(30)))
    assert [w.person_id for w in await store.events.awaiting_reply(limit=10)] == [
        replied_to.id]

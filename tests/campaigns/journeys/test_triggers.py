"""How persons enter: timeline events (with filters), transactions, segment entry checked
for the changed person only, dates on a schedule, and the re-entry rules under a storm."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.domain.common import new_id
from hub.domain.events import Event, SurveyInfo
from hub.domain.transactions import Transaction
from hub.services.revenue import TransactionInput
from tests.campaigns.journeys.conftest import Hub


def exit_only(trigger: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"trigger": trigger, "start": "wait",
            "steps": [{"type": "wait", "id": "wait", "minutes": 60}], **extra}


async def count(hub: Hub, journey_id: str) -> int:
    return sum((await hub.store.enrolments.counts(journey_id)).by_state.values())


async def test_a_survey_answer_in_range_enrols_and_one_outside_does_not(hub: Hub) -> None:
    journey = await hub.journey(exit_only({"kind": "event", "event": {
        "kind": "survey_answered", "score_max": 6}}))
    unhappy, happy = await hub.person(), await hub.person(phones=[])
    timeline = hub.components.services.timeline
    for person, score in ((unhappy, 3), (happy, 9)):
        await timeline.record(Event(id=new_id(), person_id=person.id, channel="survey",
                                    direction="inbound",
                                    survey=SurveyInfo(survey_id="s", score=score)))
    assert [e.person_id for e in await hub.store.enrolments.for_journey(journey.id)] == [
        unhappy.id]


async def test_imported_history_enrols_nobody(hub: Hub) -> None:
    journey = await hub.journey(exit_only({"kind": "event", "event": {"kind": "call_logged"}}))
    anna = await hub.person()
    await hub.components.services.timeline.record(Event(
        id=new_id(), person_id=anna.id, channel="call", direction="inbound",
        occurred_at=datetime.now(UTC) - timedelta(days=400)))
    assert await count(hub, journey.id) == 0


async def test_a_purchase_enrols_on_a_transaction_trigger(hub: Hub) -> None:
    journey = await hub.journey(exit_only({"kind": "event",
                                           "event": {"kind": "transaction_recorded"}}))
    anna = await hub.person()
    for _ in range(2):  # a replayed batch enrols once
        await hub.components.services.transactions.record([TransactionInput(
            person_id=anna.id, amount=10, occurred_at=datetime.now(UTC), external_id="T1")])
    assert await count(hub, journey.id) == 1


async def test_segment_entry_is_checked_for_the_changed_person_only(hub: Hub) -> None:
    journey = await hub.journey(exit_only({"kind": "segment", "filter": {
        "field": "tags", "op": "contains", "value": "vip"}}))
    vip = await hub.person(tags=["vip"])
    plain = await hub.person(phones=[])
    timeline = hub.components.services.timeline
    for person in (vip, plain):
        await timeline.record(Event(id=new_id(), person_id=person.id, channel="note",
                                    direction="internal", text="spoke"))
    assert [e.person_id for e in await hub.store.enrolments.for_journey(journey.id)] == [
        vip.id]
    # the scheduled sweep finds the rest of the segment; run twice, enrols once
    other_vip = await hub.person(phones=[], tags=["vip"])
    assert await hub.components.journeys.service.run_schedule() == 1
    assert await hub.components.journeys.service.run_schedule() == 0
    assert {e.person_id for e in await hub.store.enrolments.for_journey(journey.id)} == {
        vip.id, other_vip.id}


async def test_birthdays_and_days_after_the_last_purchase(hub: Hub) -> None:
    birthday = await hub.journey(exit_only({"kind": "date", "date_field": "birthday"}))
    winback = await hub.journey(exit_only({"kind": "date", "date_field": "last_purchase",
                                           "days_after": 30}), name="Terugwinnen")
    today = hub.clock.now().date()
    jarig = await hub.person(birth_date=date(1990, today.month, min(today.day, 28)),
                             phones=[])
    other = await hub.person(birth_date=date(1990, today.month % 12 + 1, 1), phones=[])
    lapsed = await hub.person(phones=[])
    await hub.store.transactions.append_many([Transaction(
        id=new_id(), external_id="old", person_id=lapsed.id, amount_minor=5000,
        occurred_at=hub.clock.now() - timedelta(days=30, hours=12))])
    if today.day <= 28:
        await hub.components.journeys.service.run_schedule()
        assert [e.person_id for e in await hub.store.enrolments.for_journey(birthday.id)] == [
            jarig.id]
    else:
        await hub.components.journeys.service.run_schedule()
    assert other.id not in [e.person_id for e in
                            await hub.store.enrolments.for_journey(birthday.id)]
    assert [e.person_id for e in await hub.store.enrolments.for_journey(winback.id)] == [
        lapsed.id]


async def test_a_trigger_storm_enrols_each_person_once(hub: Hub) -> None:
    journey = await hub.journey(exit_only({"kind": "event", "event": {
        "kind": "message_received"}}))
    persons = [await hub.person(phones=[], emails=[f"s{i}@example.org"]) for i in range(25)]
    timeline = hub.components.services.timeline
    await asyncio.gather(*(
        timeline.record(Event(id=new_id(), person_id=p.id, channel="email",
                              direction="inbound", text="hi"))
        for p in persons for _ in range(4)))
    assert await count(hub, journey.id) == len(persons)


async def test_reentry_once_per_n_days_and_always(hub: Hub) -> None:
    service = hub.components.journeys.service
    every = await hub.journey(exit_only({"kind": "manual"},
                                        reentry={"mode": "every_days", "days": 30}))
    always = await hub.journey(exit_only({"kind": "manual"}, reentry={"mode": "always"}),
                               name="Altijd")
    anna = await hub.person()
    assert (await service.enrol_manual(every.id, [anna.id]))[0].enrolment_id
    assert (await service.enrol_manual(every.id, [anna.id]))[0].reason
    assert (await service.enrol_manual(always.id, [anna.id]))[0].enrolment_id
    assert (await service.enrol_manual(always.id, [anna.id]))[0].reason == \
        "already in this journey"
    await hub.engine.run_until_idle()
    hub.clock.move(timedelta(hours=2))
    await hub.engine.run_until_idle()  # both finish their one wait
    assert (await service.enrol_manual(always.id, [anna.id]))[0].enrolment_id
    assert (await service.enrol_manual(every.id, [anna.id]))[0].reason  # within 30 days
    hub.clock.move(timedelta(days=31))
    assert (await service.enrol_manual(every.id, [anna.id]))[0].enrolment_id

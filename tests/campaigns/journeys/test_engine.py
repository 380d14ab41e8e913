"""The journey worker end to end on its parts: sends through the outbound path, waits that
take days in milliseconds (a movable clock), event waits woken by the timeline, branches,
the staff inbox alert, goals, opt-outs, merges, versions and crash reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.events import Event, TimelineQuery
from hub.domain.journeys import Enrolment
from hub.domain.messages import InboundMessage
from hub.services.revenue import TransactionInput
from tests.campaigns.journeys.conftest import Hub, journey_settings, open_hub

DAY = timedelta(days=1)


async def welcome_flow(hub: Hub, **extra: Any) -> dict[str, Any]:
    mail_nl = await hub.template("email", "Welkom {{ person.first_name }}!", subject="Welkom")
    mail_en = await hub.template("email", "Welcome {{ person.first_name }}!", subject="Welcome")
    sms_nl = await hub.template("sms", "Nog vragen, {{ person.first_name }}? Antwoord gerust.")
    sms_en = await hub.template("sms", "Any questions, {{ person.first_name }}? Just reply.")
    return {
        "trigger": {"kind": "manual"}, "start": "welcome",
        "steps": [
            {"type": "send", "id": "welcome", "channel": "email",
             "templates": {"nl": mail_nl, "en": mail_en}, "next": "listen"},
            {"type": "wait", "id": "listen", "event": {"kind": "message_received"},
             "timeout_minutes": 3 * 24 * 60, "next": "alert", "on_timeout": "reminder"},
            {"type": "notify", "id": "alert", "team": "sales", "note": "Wants to talk"},
            {"type": "send", "id": "reminder", "channel": "sms",
             "templates": {"nl": sms_nl, "en": sms_en}},
        ], **extra}


async def outbound(hub: Hub, person_id: str) -> list[Event]:
    events = await hub.store.events.timeline(TimelineQuery(person_ids=[person_id]), limit=50)
    return [e for e in events if e.direction == "outbound"]


async def enrol(hub: Hub, journey_id: str, person_id: str) -> Enrolment:
    [result] = await hub.components.journeys.service.enrol_manual(journey_id, [person_id])
    assert result.enrolment_id, result.reason
    found = await hub.store.enrolments.get(result.enrolment_id)
    assert found is not None
    return found


async def test_a_reply_wakes_the_wait_and_opens_a_staff_inbox_item(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    anna = await hub.person()
    e = await enrol(hub, journey.id, anna.id)
    await hub.engine.run_until_idle()

    [mail] = await outbound(hub, anna.id)
    assert mail.channel == "email" and mail.subject == "Welkom"
    assert mail.text == "Welkom Anna!" and mail.status == "sent"
    assert mail.data["journey_id"] == journey.id and mail.data["purpose"] == "marketing"
    assert "List-Unsubscribe" not in mail.data  # headers go to the adapter, not the event
    waiting = await hub.store.enrolments.get(e.id)
    assert waiting is not None and waiting.step_id == "listen"
    assert waiting.due_at == hub.clock.now() + 3 * DAY

    await hub.components.services.inbox.record(InboundMessage(
        channel="sms", external_id="SM-reply-1", from_address="+31612345678",
        text="Ja, bel me maar"))
    await hub.engine.run_until_idle()  # no clock move: the reply woke the wait

    done = await hub.store.enrolments.get(e.id)
    assert done is not None and done.state == "done"
    assert [(r.step_id, r.outcome) for r in done.history] == [
        ("welcome", "sent"), ("listen", "waiting"), ("listen", "event"), ("alert", "notified")]
    waiting_persons = await hub.store.events.awaiting_reply(limit=10)
    assert [w.person_id for w in waiting_persons] == [anna.id]
    alert = await hub.store.events.get(done.history[-1].event_id or "")
    assert alert is not None and alert.data["team"] == "sales" and alert.text == "Wants to talk"
    assert len(await outbound(hub, anna.id)) == 1  # no reminder


async def test_a_non_replier_gets_the_reminder_after_the_wait(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    piet = await hub.person(name="Piet Jansen", language="en")
    e = await enrol(hub, journey.id, piet.id)
    await hub.engine.run_until_idle()
    hub.clock.move(2 * DAY)
    assert await hub.engine.run_until_idle() == 0  # not yet
    assert len(await outbound(hub, piet.id)) == 1
    hub.clock.move(DAY + timedelta(minutes=1))
    await hub.engine.run_until_idle()
    reminder, welcome = await outbound(hub, piet.id)
    assert welcome.text == "Welcome Piet!"
    assert reminder.channel == "sms" and reminder.text == "Any questions, Piet? Just reply."
    done = await hub.store.enrolments.get(e.id)
    assert done is not None and done.state == "done"
    assert ("listen", "timeout") in [(r.step_id, r.outcome) for r in done.history]
    # the steps are on the timeline as system events that leave the inbox alone
    timeline = await hub.store.events.timeline(TimelineQuery(person_ids=[piet.id]), limit=50)
    notes = [e.subject for e in timeline if e.channel == "system"]
    assert "Journey Welkom: entered" in notes and "Journey Welkom: finished the journey" in notes
    assert await hub.store.events.awaiting_reply(limit=10) == []


async def test_a_purchase_ends_the_journey_early(hub: Hub) -> None:
    flow = await welcome_flow(hub, goals=[{"kind": "transaction_recorded"}])
    journey = await hub.journey(flow)
    anna = await hub.person()
    e = await enrol(hub, journey.id, anna.id)
    await hub.engine.run_until_idle()
    await hub.components.services.transactions.record([TransactionInput(
        person_id=anna.id, amount=49.95, occurred_at=datetime.now(UTC), external_id="T-1")])
    await hub.engine.run_until_idle()
    ended = await hub.store.enrolments.get(e.id)
    assert ended is not None and ended.state == "exited" and ended.exit_reason == "goal reached"
    hub.clock.move(4 * DAY)
    await hub.engine.run_until_idle()
    assert len(await outbound(hub, anna.id)) == 1  # the reminder never went


async def test_an_opted_out_person_leaves_and_an_erased_one_too(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    out = await hub.person(consent={"email": ConsentState(status="opted_out", source="test")})
    gone = await hub.person(phones=["+31687654321"])
    e_out = await enrol(hub, journey.id, out.id)
    e_gone = await enrol(hub, journey.id, gone.id)
    await hub.store.persons.replace(gone.model_copy(update={"erased_at": hub.clock.now()}))
    await hub.engine.run_until_idle()
    left = await hub.store.enrolments.get(e_out.id)
    assert left is not None and left.state == "exited" and "opted out" in (left.exit_reason or "")
    erased = await hub.store.enrolments.get(e_gone.id)
    assert erased is not None and erased.state == "exited"
    assert await outbound(hub, out.id) == [] and await outbound(hub, gone.id) == []


async def test_a_merged_person_is_followed_to_the_survivor(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    survivor = await hub.person(name="Anna Survivor", phones=[])
    duplicate = await hub.person(name="Anna Dup", phones=["+31687654321"])
    e = await enrol(hub, journey.id, duplicate.id)
    await hub.store.persons.replace(duplicate.model_copy(update={"merged_into": survivor.id}))
    await hub.engine.run_until_idle()
    moved = await hub.store.enrolments.get(e.id)
    assert moved is not None and moved.person_id == survivor.id
    [mail] = await outbound(hub, survivor.id)
    assert mail.text == "Welkom Anna!"


async def test_running_enrolments_finish_on_their_version(hub: Hub) -> None:
    flow = await welcome_flow(hub)
    journey = await hub.journey(flow)
    first = await hub.person()
    e1 = await enrol(hub, journey.id, first.id)
    shorter = {**flow, "steps": [{**flow["steps"][0], "next": None}]}
    updated = await hub.components.journeys.service.update(journey.id, definition=shorter)
    assert updated.version == 2
    second = await hub.person(name="Bram", phones=["+31687654321"])
    e2 = await enrol(hub, journey.id, second.id)
    assert (e1.version, e2.version) == (1, 2)
    await hub.engine.run_until_idle()
    one = await hub.store.enrolments.get(e1.id)
    two = await hub.store.enrolments.get(e2.id)
    assert one is not None and one.state == "active" and one.step_id == "listen"
    assert two is not None and two.state == "done"


async def test_quiet_hours_defer_a_send_to_their_end(tmp_path: Path) -> None:
    hub, adapters = await open_hub(journey_settings(tmp_path, HUB_QUIET_HOURS="21:00-08:00"))
    try:
        hub.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
        journey = await hub.journey(await welcome_flow(hub))
        anna = await hub.person(phones=[])
        e = await enrol(hub, journey.id, anna.id)
        await hub.engine.run_until_idle()
        held = await hub.store.enrolments.get(e.id)
        assert held is not None and held.step_id == "welcome"
        assert held.due_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # 08:00 local
        assert held.history[-1].outcome == "deferred"
        assert await outbound(hub, anna.id) == []
        hub.clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
        await hub.engine.run_until_idle()
        assert len(await outbound(hub, anna.id)) == 1
    finally:
        for adapter in adapters.values():
            await adapter.close()
        await hub.store.close()


async def test_a_send_interrupted_after_the_hand_over_is_unknown_never_repeated(
        hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    anna = await hub.person()
    e = await enrol(hub, journey.id, anna.id)
    # a worker died after recording the queued event, before the provider's answer
    event = Event(id=new_id(), person_id=anna.id, channel="email", direction="outbound",
                  status="queued", to=anna.emails[0], data={"journey_id": journey.id})
    await hub.store.events.append(event)
    crashed = e.model_copy(update={"state": "sending", "sending_event_id": event.id,
                                   "lease_owner": "dead", "lease_until": hub.clock.now()})
    assert await hub.store.enrolments.save(crashed, owner=None)
    await hub.engine.run_until_idle()
    after = await hub.store.enrolments.get(e.id)
    assert after is not None and after.history[0].outcome == "unknown"
    assert after.step_id == "listen"
    assert [m.id for m in await outbound(hub, anna.id)] == [event.id]  # not sent again
    stored = await hub.store.events.get(event.id)
    assert stored is not None and stored.status == "unknown"


async def test_a_send_interrupted_before_the_event_runs_again(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    anna = await hub.person()
    e = await enrol(hub, journey.id, anna.id)
    crashed = e.model_copy(update={"state": "sending", "sending_event_id": new_id(),
                                   "lease_owner": "dead", "lease_until": hub.clock.now()})
    assert await hub.store.enrolments.save(crashed, owner=None)
    await hub.engine.run_until_idle()
    [mail] = await outbound(hub, anna.id)
    assert mail.status == "sent"


def test_a_weekday_wait_ends_at_that_time_in_the_persons_zone() -> None:
    from zoneinfo import ZoneInfo

    from campaigns.journeys.steps import next_moment
    from hub.domain.journeys import WaitUntil

    amsterdam = ZoneInfo("Europe/Amsterdam")
    tuesday = datetime(2026, 3, 24, 10, 0, tzinfo=amsterdam)  # Tuesday, winter time
    assert next_moment(tuesday, WaitUntil(weekday="tue", at="09:00")) == datetime(
        2026, 3, 31, 9, 0, tzinfo=amsterdam)  # a week on: summer time, still 09:00 local
    assert next_moment(tuesday, WaitUntil(weekday="fri", at="09:00")) == datetime(
        2026, 3, 27, 9, 0, tzinfo=amsterdam)
    assert next_moment(tuesday, WaitUntil(at="11:30")) == datetime(
        2026, 3, 24, 11, 30, tzinfo=amsterdam)
    assert next_moment(tuesday, WaitUntil(at="08:00")) == datetime(
        2026, 3, 25, 8, 0, tzinfo=amsterdam)


async def test_a_rate_per_minute_spreads_a_storm_of_sends(hub: Hub) -> None:
    import time

    flow = await welcome_flow(hub, rate_per_minute=600)  # one send per 0.1 s
    journey = await hub.journey(flow)
    persons = [await hub.person(phones=[], name=f"P{i}") for i in range(6)]
    await hub.components.journeys.service.enrol_manual(journey.id, [p.id for p in persons])
    started = time.perf_counter()
    await hub.engine.run_until_idle()
    # six sends take six slots of 0.1 s on the shared clock's grid; the first may be taken at
    # the very end of its slot, so at least five slots minus one pass
    assert time.perf_counter() - started >= 0.4
    for person in persons:
        assert len(await outbound(hub, person.id)) == 1

"""Archiving ends a journey's running enrolments (a send in flight is reconciled first, never
repeated), and a new version takes running enrolments only when staff choose it: those at a
step the new version has move, the others stay on theirs, and the answer says how many."""

from __future__ import annotations

from datetime import timedelta

from campaigns.journeys.service import ARCHIVED
from hub.domain.common import new_id
from hub.domain.events import Event
from tests.campaigns.journeys.conftest import Hub
from tests.campaigns.journeys.test_engine import enrol, outbound, welcome_flow
from tests.campaigns.journeys.test_journey_api import api, templates  # noqa: F401
from tests.web.conftest import Api

DAY = timedelta(days=1)


async def test_archiving_ends_running_enrolments_and_sends_nothing_more(hub: Hub) -> None:
    journey = await hub.journey(await welcome_flow(hub))
    persons = [await hub.person(name=n, phones=[f"+3161111000{i}"])
               for i, n in enumerate(("Anna", "Bram", "Cor"))]
    enrolments = [await enrol(hub, journey.id, p.id) for p in persons]
    await hub.engine.run_until_idle()  # each got the welcome mail and waits for a reply
    anna, bram, cor = persons
    # Cor's worker died while handing over his reminder: the event was recorded and sent
    reminder = Event(id=new_id(), person_id=cor.id, channel="sms", direction="outbound",
                     status="sent", external_id="SM-cor", to=cor.phones[0],
                     data={"journey_id": journey.id})
    await hub.store.events.append(reminder)
    stored = await hub.store.enrolments.get(enrolments[2].id)
    assert stored is not None
    in_flight = stored.model_copy(update={
        "state": "sending", "step_id": "reminder", "sending_event_id": reminder.id,
        "due_at": hub.clock.now(), "waiting_since": None, "wait_until": None,
        "lease_owner": "dead", "lease_until": hub.clock.now() + timedelta(minutes=2)})
    assert await hub.store.enrolments.save(in_flight, owner=None)

    changed = await hub.components.journeys.service.change(journey.id, status="archived")
    assert changed.journey.status == "archived" and changed.exited == 2
    hub.clock.move(timedelta(minutes=5))  # the dead worker's lease runs out
    await hub.engine.run_until_idle()
    hub.clock.move(4 * DAY)  # the reminders would be due now
    await hub.engine.run_until_idle()

    for e in enrolments:
        stored = await hub.store.enrolments.get(e.id)
        assert stored is not None and stored.state == "exited", stored
        assert stored.exit_reason == ARCHIVED
    cor_after = await hub.store.enrolments.get(enrolments[2].id)
    assert cor_after is not None and cor_after.history[-1].outcome == "sent"  # reconciled
    assert [len(await outbound(hub, p.id)) for p in (anna, bram)] == [1, 1]  # welcome only
    assert len(await outbound(hub, cor.id)) == 2  # welcome, and the one reminder


async def test_migrating_moves_enrolments_at_a_kept_step_only(hub: Hub) -> None:
    flow = await welcome_flow(hub)
    journey = await hub.journey(flow)
    waiter = await hub.person(name="Anna")
    await enrol(hub, journey.id, waiter.id)
    await hub.engine.run_until_idle()  # Anna waits at "listen"
    newcomer = await hub.person(name="Bram", phones=["+31687654321"])
    late = await enrol(hub, journey.id, newcomer.id)  # Bram is still at "welcome"
    nudge_nl = await hub.template("sms", "Laatste kans, {{ person.first_name }}!")
    nudge_en = await hub.template("sms", "Last chance, {{ person.first_name }}!")
    _, listen, alert, _ = flow["steps"]
    v2 = {**flow, "start": "listen", "steps": [
        {**listen, "on_timeout": "nudge"}, alert,
        {"type": "send", "id": "nudge", "channel": "sms",
         "templates": {"nl": nudge_nl, "en": nudge_en}}]}
    service = hub.components.journeys.service

    changed = await service.change(journey.id, definition=v2, migrate=True)
    assert changed.journey.version == 2
    assert (changed.migrated, changed.stayed) == (1, 1)
    stayed = await hub.store.enrolments.get(late.id)
    assert stayed is not None and stayed.version == 1
    await hub.engine.run_until_idle()  # Bram's welcome, on version 1
    hub.clock.move(4 * DAY)
    await hub.engine.run_until_idle()
    [_, nudge] = sorted(await outbound(hub, waiter.id), key=lambda e: e.occurred_at)
    assert nudge.text == "Laatste kans, Anna!"  # the new version's step
    bram = sorted(await outbound(hub, newcomer.id), key=lambda e: e.occurred_at)
    assert [e.channel for e in bram] == ["email", "sms"]  # version 1: welcome, reminder
    assert "Laatste kans" not in (bram[1].text or "")
    again = await service.change(journey.id, migrate=True)  # nothing left to move
    assert (again.migrated, again.stayed) == (0, 0)


async def test_the_api_answers_what_archiving_and_migrating_did(api: Api) -> None:  # noqa: F811
    ids = await templates(api)
    definition = {"trigger": {"kind": "manual"}, "start": "wait", "steps": [
        {"type": "wait", "id": "wait", "minutes": 600, "next": "hi"},
        {"type": "send", "id": "hi", "channel": "email",
         "templates": {"nl": ids["email_nl"], "en": ids["email_en"]}}]}
    code, journey = await api.call("POST", "/api/v1/journeys", role="marketing",
                                   json={"name": "J", "definition": definition})
    assert code == 201, journey
    path = f"/api/v1/journeys/{journey['id']}"
    code, _ = await api.call("PATCH", path, role="marketing", json={"status": "active"})
    code, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna", "emails": ["anna@example.org"], "consent": {"email": "opted_in"}})
    code, _ = await api.call("POST", f"{path}/enrolments", role="marketing",
                             json={"person_ids": [person["id"]]})
    shorter = {**definition, "steps": [{**definition["steps"][0], "minutes": 60},
                                       definition["steps"][1]]}
    code, moved = await api.call("PATCH", path, role="marketing",
                                 json={"definition": shorter, "migrate_enrolments": True})
    assert code == 200, moved
    assert moved["version"] == 2
    assert moved["enrolments"] == {"exited": 0, "migrated": 1, "stayed": 0}
    code, archived = await api.call("PATCH", path, role="marketing",
                                    json={"status": "archived"})
    assert code == 200 and archived["enrolments"]["exited"] == 1
    code, refused = await api.call("PATCH", path, role="marketing",
                                   json={"migrate_enrolments": True})
    assert code == 409, refused
    code, mine = await api.call("GET", f"/api/v1/persons/{person['id']}/journeys")
    assert mine["items"][0]["state"] == "exited"
    assert mine["items"][0]["exit_reason"] == "the journey was archived"

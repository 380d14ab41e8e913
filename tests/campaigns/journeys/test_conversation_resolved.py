"""The `conversation_resolved` event: resolving a person's conversation in the service desk
enrols them in a journey triggered by it (filtered by team and by who resolved it), and
wakes an enrolment that waits for it."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.conversations import Conversation, Team
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.services.service_desk import Changes
from tests.campaigns.journeys.conftest import Hub


async def conversation_of(hub: Hub, person: Person, team: Team | None) -> Conversation:
    """The person writes in; staff put the conversation in `team`."""
    await hub.components.services.timeline.record(Event(
        id=new_id(), person_id=person.id, channel="sms", direction="inbound",
        text="Mijn bestelling is niet aangekomen"))
    conversation = await hub.store.conversations.active_for_person(person.id)
    assert conversation is not None
    if team is not None:
        conversation = await hub.components.services.desk.change(
            conversation.id, Changes(team_id=team.id), actor="staff-1")
    return conversation


async def resolve(hub: Hub, conversation: Conversation) -> None:
    await hub.components.services.desk.change(conversation.id, Changes(status="resolved"),
                                              actor="staff-1")


async def test_resolving_a_conversation_enrols_on_the_trigger(hub: Hub) -> None:
    support, sales = (Team(id=new_id(), name=n) for n in ("Support", "Sales"))
    for team in (support, sales):
        await hub.store.teams.insert(team)
    journey = await hub.journey({
        "trigger": {"kind": "event", "event": {"kind": "conversation_resolved",
                                               "team_id": support.id, "by_staff": True}},
        "start": "wait", "steps": [{"type": "wait", "id": "wait", "minutes": 60}]})
    anna, bob, carl = [await hub.person(name=n, phones=[f"+3161234500{i}"])
                       for i, n in enumerate(("Anna", "Bob", "Carl"))]
    anna_talk = await conversation_of(hub, anna, support)
    bob_talk = await conversation_of(hub, bob, sales)
    await conversation_of(hub, carl, support)  # not resolved

    assert not await hub.store.enrolments.for_journey(journey.id)  # an open one: nothing
    await resolve(hub, anna_talk)
    await resolve(hub, bob_talk)  # another team
    enrolled = await hub.store.enrolments.for_journey(journey.id)
    assert [e.person_id for e in enrolled] == [anna.id]
    assert enrolled[0].source.startswith(f"conversation:{anna_talk.id}:")


async def test_a_wait_for_a_resolution_goes_on_when_it_comes(hub: Hub) -> None:
    journey = await hub.journey({
        "trigger": {"kind": "manual"}, "start": "wait",
        "steps": [{"type": "wait", "id": "wait", "event": {"kind": "conversation_resolved"},
                   "timeout_minutes": 1440, "next": "tag", "on_timeout": "late"},
                  {"type": "update", "id": "tag", "add_tags": ["helped"]},
                  {"type": "update", "id": "late", "add_tags": ["not-helped"]}]})
    dora = await hub.person(name="Dora", phones=["+31612345009"])
    talk = await conversation_of(hub, dora, None)
    await hub.components.journeys.service.enrol_manual(journey.id, [dora.id])
    await hub.engine.run_until_idle()
    [waiting] = await hub.store.enrolments.for_journey(journey.id)
    assert waiting.state == "active" and waiting.step_id == "wait"

    await resolve(hub, talk)
    await hub.engine.run_until_idle()
    [done] = await hub.store.enrolments.for_journey(journey.id)
    assert done.state == "done"
    assert [(r.step_id, r.outcome) for r in done.history][-2:] == [("wait", "event"),
                                                                   ("tag", "updated")]
    person = await hub.store.persons.get(dora.id)
    assert person is not None and person.tags == ["helped"]

"""Conversations (issue 13) on every backend: the repository's guarantees (one unresolved
conversation per person, compare-and-set, keyset paging with filters) and the router's
lifecycle over real stored events (reopen on new inbound, a campaign send never closes)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from hub.domain.common import new_id
from hub.domain.conversations import Conversation, ConversationQuery, Label, Team
from hub.domain.events import Event, SurveyInfo
from hub.errors import Conflict, DuplicateKey, InvalidInput
from hub.ports import Store
from hub.services.conversations import ConversationRouter
from hub.services.service_desk import Changes, ServiceDesk
from hub.services.timeline import TimelineService
from tests.contracts import factories as f

NOW = f.at(3600)


def conversation(person_id: str, **overrides: Any) -> Conversation:
    fields: dict[str, Any] = {"id": new_id(), "person_id": person_id, "opened_at": f.at(),
                              "last_event_at": f.at(), "created_at": f.at(),
                              "updated_at": f.at()}
    return Conversation(**(fields | overrides))


def router(store: Store) -> ConversationRouter:
    return ConversationRouter(store, reopen_days=7, clock=lambda: NOW)


def desk(store: Store) -> ServiceDesk:
    return ServiceDesk(store, router(store), messaging=None,  # type: ignore[arg-type]
                       timeline=TimelineService(store), clock=lambda: NOW)


async def inbound(store: Store, person_id: str, seconds: float, channel: str = "email",
                  **overrides: Any) -> Event:
    event = f.event(person_id, channel=channel, direction="inbound", occurred_at=f.at(seconds),
                    subject="Where is my order?", text="It did not arrive", **overrides)
    stored, _ = await store.events.append(event)
    return stored


async def outbound(store: Store, person_id: str, seconds: float, **overrides: Any) -> Event:
    event = f.event(person_id, channel="email", direction="outbound",
                    occurred_at=f.at(seconds), text="We are on it", status="sent",
                    **({"author": "Kees", "data": {"purpose": "service"}} | overrides))
    stored, _ = await store.events.append(event)
    return stored


# --- the repository -------------------------------------------------------------------------


async def test_one_unresolved_conversation_per_person(store: Store) -> None:
    person = new_id()
    first = conversation(person)
    await store.conversations.insert(first)
    assert await store.conversations.get(first.id) == first
    assert await store.conversations.active_for_person(person) == first
    with pytest.raises(DuplicateKey):
        await store.conversations.insert(conversation(person))
    resolved = first.model_copy(update={"status": "resolved", "version": 2})
    assert await store.conversations.update(resolved, expected_version=1)
    assert await store.conversations.active_for_person(person) is None
    second = conversation(person)
    await store.conversations.insert(second)  # the resolved one no longer holds the key
    assert await store.conversations.active_for_person(person) == second
    reopened = resolved.model_copy(update={"status": "open", "version": 3})
    with pytest.raises(DuplicateKey):
        await store.conversations.update(reopened, expected_version=2)


async def test_compare_and_set_lets_one_of_concurrent_writers_win(store: Store) -> None:
    held = conversation(new_id())
    await store.conversations.insert(held)
    writers = [held.model_copy(update={"assignee_id": f"user-{i}", "version": 2})
               for i in range(5)]
    results = await asyncio.gather(*(store.conversations.update(w, expected_version=1)
                                     for w in writers))
    assert sorted(results) == [False, False, False, False, True]
    stored = await store.conversations.get(held.id)
    assert stored is not None and stored.version == 2
    assert stored.assignee_id == f"user-{results.index(True)}"


async def test_inbox_pages_by_keyset_with_filters_and_total(store: Store) -> None:
    mine, other = new_id(), new_id()
    made = []
    for i in range(7):
        c = conversation(new_id(), last_event_at=f.at(i * 10),
                         assignee_id=mine if i % 2 == 0 else None,
                         labels=["vip"] if i < 3 else [], channels=["sms" if i % 3 else "email"],
                         first_response_due=f.at(1000 - i), resolution_due=f.at(5000))
        await store.conversations.insert(c)
        made.append(c)
    await store.conversations.insert(conversation(new_id(), status="pending", assignee_id=mine))
    everyone = ConversationQuery()
    assert await store.conversations.count(everyone) == 7
    first = await store.conversations.page(everyone, sort="newest", limit=3)
    assert [c.id for c in first] == [made[6].id, made[5].id, made[4].id]
    last = first[-1]
    second = await store.conversations.page(everyone, sort="newest", limit=3,
                                            after=(last.last_event_at, last.id))
    assert [c.id for c in second] == [made[3].id, made[2].id, made[1].id]
    oldest = await store.conversations.page(everyone, sort="oldest", limit=2)
    assert [c.id for c in oldest] == [made[0].id, made[1].id]
    by_sla = await store.conversations.page(everyone, sort="sla", limit=2)
    assert [c.id for c in by_sla] == [made[6].id, made[5].id]
    assert await store.conversations.count(ConversationQuery(assignee_id=mine)) == 4
    assert await store.conversations.count(
        ConversationQuery(assignee_id=mine, statuses=["open", "pending"])) == 5
    assert await store.conversations.count(ConversationQuery(unassigned=True)) == 3
    assert await store.conversations.count(ConversationQuery(label="vip")) == 3
    assert await store.conversations.count(ConversationQuery(channel="email")) == 3
    assert await store.conversations.count(ConversationQuery(assignee_id=other)) == 0
    breached = ConversationQuery(breached_at=f.at(995))
    assert {c.id for c in await store.conversations.page(breached, sort="sla", limit=10)} == {
        made[5].id, made[6].id}


async def test_snoozed_conversations_wake_when_their_time_comes(store: Store) -> None:
    early = conversation(new_id(), status="snoozed", snoozed_until=f.at(100))
    late = conversation(new_id(), status="snoozed", snoozed_until=f.at(900))
    for c in (early, late):
        await store.conversations.insert(c)
    stamp = await store.conversations.stamp()
    assert await store.conversations.wake_snoozed(f.at(500)) == 1
    woken = await store.conversations.get(early.id)
    assert woken is not None and woken.status == "open" and woken.version == 2
    assert (await store.conversations.get(late.id)).status == "snoozed"  # type: ignore[union-attr]
    assert await store.conversations.stamp() != stamp


async def test_teams_labels_and_canned_responses_round_trip(store: Store) -> None:
    team = Team(id=new_id(), name="Billing", member_ids=["u1"], channels=["sms"])
    await store.teams.insert(team)
    assert await store.teams.get(team.id) == team
    assert await store.teams.find() == [team]
    label = Label(id=new_id(), name="refund")
    await store.labels.insert(label)
    assert await store.labels.find() == [label]


# --- the router over stored events ---------------------------------------------------------


async def test_lifecycle_open_reply_pending_and_back_to_open(store: Store) -> None:
    person = new_id()
    first = await router(store).on_event(await inbound(store, person, 0))
    assert first is not None and first.status == "open" and first.channels == ["email"]
    assert first.first_response_due is not None
    again = await router(store).on_event(await inbound(store, person, 60, channel="sms"))
    assert again is not None and again.id == first.id and again.channels == ["email", "sms"]
    reply = await outbound(store, person, 120)
    answered = await router(store).on_event(reply)
    assert answered is not None and answered.status == "pending"
    assert answered.first_response_at == f.at(120)
    customer = await router(store).on_event(await inbound(store, person, 180))
    assert customer is not None and customer.status == "open" and customer.id == first.id
    assert len(customer.event_ids) == 4


async def test_a_replay_changes_nothing(store: Store) -> None:
    person = new_id()
    event = await inbound(store, person, 0)
    first = await router(store).on_event(event)
    replayed = await router(store).on_event(event)
    assert replayed == first


async def test_new_inbound_after_resolution_opens_a_new_conversation(store: Store) -> None:
    person = new_id()
    first = await router(store).on_event(await inbound(store, person, 0))
    assert first is not None
    resolved = await desk(store).change(first.id, Changes(status="resolved"), actor="kees")
    assert resolved.status == "resolved" and resolved.resolved_by == "kees"
    fresh = await router(store).on_event(await inbound(store, person, 4000))
    assert fresh is not None and fresh.id != first.id and fresh.status == "open"


async def test_a_threaded_reply_reopens_its_resolved_conversation(store: Store) -> None:
    person = new_id()
    first = await router(store).on_event(await inbound(store, person, 0))
    assert first is not None
    reply = await outbound(store, person, 60)
    await router(store).on_event(reply)
    await desk(store).change(first.id, Changes(status="resolved"), actor="kees")
    answer = await inbound(store, person, 4000, thread_id=reply.id)
    reopened = await router(store).on_event(answer)
    assert reopened is not None and reopened.id == first.id and reopened.status == "open"
    assert reopened.resolved_at is None


async def test_after_idle_days_a_message_opens_a_new_conversation(store: Store) -> None:
    person = new_id()
    first = await router(store).on_event(await inbound(store, person, 0))
    later = timedelta(days=8).total_seconds()
    fresh = await router(store).on_event(await inbound(store, person, later))
    assert first is not None and fresh is not None and fresh.id != first.id
    idle = await store.conversations.get(first.id)
    assert idle is not None and idle.status == "resolved" and idle.auto_resolved


async def test_a_campaign_send_never_answers_or_closes(store: Store) -> None:
    person = new_id()
    opened = await router(store).on_event(await inbound(store, person, 0))
    campaign = await outbound(store, person, 60, campaign_id=new_id(), author=None,
                              data={"purpose": "marketing"})
    assert await router(store).on_event(campaign) is None
    automatic = await outbound(store, person, 61, author=None)  # a form's thank-you mail
    assert await router(store).on_event(automatic) is None
    held = await store.conversations.get(opened.id)  # type: ignore[union-attr]
    assert held is not None and held.status == "open" and held.first_response_at is None
    assert held.version == 1


async def test_survey_answers_open_only_when_they_ask_for_follow_up(store: Store) -> None:
    promoter, detractor, commenter = new_id(), new_id(), new_id()
    quiet = f.survey_event(promoter, survey=SurveyInfo(survey_id="s", score=10),
                           data={"label": "promoter"})
    assert await router(store).on_event((await store.events.append(quiet))[0]) is None
    low = f.survey_event(detractor, survey=SurveyInfo(survey_id="s", score=3),
                         data={"follow_up": True, "flags": ["detractor"]})
    assert await router(store).on_event((await store.events.append(low))[0]) is not None
    said = f.survey_event(commenter, survey=SurveyInfo(survey_id="s", score=9, comment="Hm"))
    assert await router(store).on_event((await store.events.append(said))[0]) is not None


async def test_concurrent_events_of_one_person_share_one_conversation(store: Store) -> None:
    person = new_id()
    events = [await inbound(store, person, i) for i in range(6)]
    results = await asyncio.gather(*(router(store).on_event(e) for e in events))
    assert len({c.id for c in results if c is not None}) == 1
    held = await store.conversations.active_for_person(person)
    assert held is not None and sorted(held.event_ids) == sorted(e.id for e in events)


async def test_two_staff_resolving_at_once_one_wins_the_other_gets_409(store: Store) -> None:
    opened = await router(store).on_event(await inbound(store, new_id(), 0))
    assert opened is not None
    results = await asyncio.gather(
        desk(store).change(opened.id, Changes(status="resolved", version=1), actor="a"),
        desk(store).change(opened.id, Changes(status="resolved", version=1), actor="b"),
        return_exceptions=True)
    assert sum(isinstance(r, Conflict) for r in results) == 1
    stored = await store.conversations.get(opened.id)
    assert stored is not None and stored.version == 2 and stored.resolved_by in ("a", "b")


async def test_bad_changes_are_refused_naming_the_field(store: Store) -> None:
    opened = await router(store).on_event(await inbound(store, new_id(), 0))
    assert opened is not None
    disabled = f.user(disabled=True)
    outsider = f.user()
    member = f.user()
    for user in (disabled, outsider, member):
        await store.users.insert(user)
    team = Team(id=new_id(), name="Billing", member_ids=[member.id])
    await store.teams.insert(team)
    cases = [
        (Changes(assignee_id=disabled.id), "assignee_id"),
        (Changes(team_id=team.id, assignee_id=outsider.id), "assignee_id"),
        (Changes(snoozed_until=f.at(10)), "snoozed_until"),
        (Changes(team_id="nope"), "team_id"),
        (Changes(labels=["nope"]), "labels"),
    ]
    for changes, field in cases:
        with pytest.raises(InvalidInput) as caught:
            await desk(store).change(opened.id, changes, actor="kees")
        assert caught.value.details == {"field": field}
    done = await desk(store).change(opened.id, Changes(team_id=team.id, assignee_id=member.id),
                                    actor="kees")
    assert (done.team_id, done.assignee_id) == (team.id, member.id)


async def test_a_csat_answer_lands_on_its_conversation_and_a_comment_reopens_it(
        store: Store) -> None:
    person = new_id()
    opened = await router(store).on_event(await inbound(store, person, 0))
    assert opened is not None
    await desk(store).change(opened.id, Changes(status="resolved"), actor="kees")
    happy = f.survey_event(person, survey=SurveyInfo(survey_id="s", score=5),
                           data={"conversation_id": opened.id}, occurred_at=f.at(100))
    scored = await router(store).on_event((await store.events.append(happy))[0])
    assert scored is not None and scored.csat_score == 5 and scored.status == "resolved"
    unhappy = f.survey_event(person, survey=SurveyInfo(survey_id="s", score=1, comment="Slow"),
                             data={"conversation_id": opened.id, "follow_up": True},
                             occurred_at=f.at(200))
    reopened = await router(store).on_event((await store.events.append(unhappy))[0])
    assert reopened is not None and reopened.id == opened.id
    assert reopened.status == "open" and reopened.csat_score == 1


async def test_backfill_opens_conversations_for_those_waiting(store: Store) -> None:
    waiting, answered = new_id(), new_id()
    first = await inbound(store, waiting, 0)
    second = await inbound(store, waiting, 60)
    await inbound(store, answered, 0)
    await outbound(store, answered, 30)
    assert await router(store).backfill() == 1
    held = await store.conversations.active_for_person(waiting)
    assert held is not None and held.event_ids == [first.id, second.id]
    assert await store.conversations.active_for_person(answered) is None
    assert await router(store).backfill() == 1  # again: the same one, unchanged
    assert (await store.conversations.get(held.id)) == held


async def test_a_label_routes_to_its_team_round_robin(store: Store) -> None:
    first, second = f.user(), f.user()
    for user in (first, second):
        await store.users.insert(user)
    label = Label(id=new_id(), name="factuur")
    await store.labels.insert(label)
    team = Team(id=new_id(), name="Facturen", member_ids=[first.id, second.id],
                labels=[label.id], auto_assign=True)
    await store.teams.insert(team)
    assigned = []
    for n in range(3):
        opened = await router(store).on_event(await inbound(store, new_id(), n))
        assert opened is not None and opened.team_id is None
        routed = await desk(store).change(opened.id, Changes(labels=[label.id]), actor="k")
        assert routed.team_id == team.id
        assigned.append(routed.assignee_id)
    assert assigned == [first.id, second.id, first.id]

"""The demo's service inbox (issue 13): a working day's conversations on top of the demo
persons, in every state, across three teams, with labels, priorities, SLA times that are
partly breached, service replies, and CSAT scores on some resolved ones.

Deterministic and idempotent like the rest of the demo: ids and external ids derive from the
seed, events dedupe on their external id and a conversation already stored is kept. Times are
placed in the hours before `now`, so the inbox looks like today's work whenever it is run."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar

from hub.domain.common import utcnow
from hub.domain.conversations import (
    DEFAULT_SLA,
    BusinessHours,
    CannedResponse,
    Conversation,
    Label,
    Priority,
    SlaPolicy,
    Team,
)
from hub.domain.events import Event, FormInfo, StatusChange, SurveyInfo
from hub.domain.parties import Person
from hub.errors import DuplicateKey
from hub.ports import Store
from hub.services.conversations import last_event

ROUND_THE_CLOCK = BusinessHours(days={d: (time(0), time(23, 59)) for d in range(7)})
SLAS = [SlaPolicy(first_response_minutes=60), SlaPolicy(first_response_minutes=240),
        SlaPolicy(first_response_minutes=240, resolution_minutes=60 * 24 * 2,
                  hours=ROUND_THE_CLOCK)]
"""Klantenservice answers within an hour, Facturen within four working hours, the technical
service round the clock."""
R = TypeVar("R", Team, Label, CannedResponse)
QUESTIONS = {
    "sms": ["Mijn pakket is nog niet aangekomen, kunt u kijken?", "Kan ik mijn afspraak "
            "morgen verzetten?", "De monteur is niet gekomen vandaag.", "Klopt het bedrag "
            "op mijn factuur wel?", "Ik wil graag mijn adres wijzigen."],
    "email": ["Factuur 2026-0412 klopt niet: ik heb twee keer betaald.", "Graag een kopie "
              "van mijn contract.", "Het product is beschadigd aangekomen, wat nu?",
              "Kunt u mij terugbellen over de levering?", "Ik wil mijn abonnement opzeggen."],
    "webform": ["Vraag via de website: wanneer wordt mijn bestelling geleverd?",
                "Klacht over de klantenservice van vorige week.",
                "Ik heb een vraag over de garantie."],
}
REPLIES = ["Dank voor uw bericht, we zoeken het uit en komen vandaag bij u terug.",
           "Excuses voor het ongemak: er is een nieuw exemplaar onderweg.",
           "Uw afspraak is verzet naar donderdag 10:00."]
STATES = ["open"] * 9 + ["pending"] * 4 + ["snoozed"] * 2 + ["resolved"] * 4
TEAMS = [("Klantenservice", ["sms", "webform"]), ("Facturen", ["email"]),
         ("Technische dienst", [])]
PRIORITY_MIX: list[Priority] = ["normal", "normal", "normal", "normal", "normal", "normal",
                                "low", "high", "urgent"]
LABELS = ["factuur", "levering", "klacht", "afspraak"]
CANNED = [("Bedankt", "Beste {{ person.name }}, dank voor uw bericht. We komen vandaag bij u "
           "terug."), ("Levering", "Uw bestelling is onderweg en komt binnen twee werkdagen.")]


@dataclass(slots=True)
class InboxSummary:
    conversations: int = 0
    events: int = 0


def _id(seed: int, kind: str, n: int, at: datetime) -> str:
    """A 24-hex id that sorts by time (like `new_id`), fixed by the seed."""
    digest = hashlib.sha256(f"{seed}:inbox:{kind}:{n}".encode()).hexdigest()
    return f"{int(at.timestamp() * 1000):012x}{digest[:12]}"


async def _setup(store: Store, seed: int, now: datetime) -> tuple[list[Team], list[Label]]:
    staff = [u.id for u in await store.users.find(limit=100)
             if not u.disabled and u.role != "marketing"]
    teams = []
    for n, (name, channels) in enumerate(TEAMS):
        team = Team(id=_id(seed, "team", n, now - timedelta(days=30)), name=name,
                    member_ids=staff, channels=channels,
                    sla=SLAS[n])
        teams.append(await _kept(store.teams.insert, store.teams.get, team))
    labels = [await _kept(store.labels.insert, store.labels.get,
                          Label(id=_id(seed, "label", n, now - timedelta(days=30)), name=name))
              for n, name in enumerate(LABELS)]
    for n, (title, text) in enumerate(CANNED):
        await _kept(store.canned_responses.insert, store.canned_responses.get, CannedResponse(
            id=_id(seed, "canned", n, now - timedelta(days=30)), title=title, text=text))
    return teams, labels


async def _kept(insert: Callable[[R], Awaitable[None]],
                get: Callable[[str], Awaitable[R | None]], record: R) -> R:
    """Insert `record`, or (a repeat run) the one already stored under its id."""
    try:
        await insert(record)
    except DuplicateKey:
        return await get(record.id) or record
    return record


async def generate_inbox_demo(store: Store, persons: list[Person], *, seed: int = 0,
                              now: datetime | None = None, count: int = 80) -> InboxSummary:
    """Conversations for up to `count` of `persons` (those with an address)."""
    now = now or utcnow()
    rng = random.Random(seed + 13)
    teams, labels = await _setup(store, seed, now)
    staff = teams[0].member_ids
    summary = InboxSummary()
    reachable = [p for p in persons if p.phones or p.emails]
    for n, person in enumerate(rng.sample(reachable, min(count, len(reachable)))):
        channel = "sms" if person.phones and rng.random() < 0.5 else \
            "email" if person.emails else "sms"
        if rng.random() < 0.15:
            channel = "webform"
        state = rng.choice(STATES)
        opened = now - timedelta(minutes=rng.randrange(5, 60 * 30))
        text = rng.choice(QUESTIONS[channel])
        inbound = Event(
            id=_id(seed, "in", n, opened), person_id=person.id,
            household_id=person.household_id, channel=channel,  # type: ignore[arg-type]
            direction="inbound", occurred_at=opened, recorded_at=opened, text=text,
            subject=text.split(":")[0][:60] if channel == "email" else None,
            status="received", external_id=f"demo-{seed}-inbox-in-{n}",
            form=FormInfo(form_id="demo-contact", fields={"name": person.name, "message": text})
            if channel == "webform" else None,
            from_=person.phones[0] if channel == "sms" and person.phones else
            (person.emails or person.phones)[0])
        events = [inbound]
        team = teams[0] if channel != "email" else teams[1]
        if rng.random() < 0.15:
            team = teams[2]
        policy = team.sla or DEFAULT_SLA
        conversation = Conversation(
            id=_id(seed, "conversation", n, opened), person_id=person.id, team_id=team.id,
            channels=[channel], subject=inbound.subject, opened_at=opened,
            last_event_at=opened, last_inbound_at=opened, last_event=last_event(inbound),
            first_response_due=policy.hours.add(opened, policy.first_response_minutes),
            resolution_due=policy.hours.add(opened, policy.resolution_minutes),
            labels=[labels[rng.randrange(len(labels))].id] if rng.random() < 0.6 else [],
            priority=rng.choice(PRIORITY_MIX),
            assignee_id=rng.choice(staff) if staff and rng.random() < 0.6 else None,
            created_at=opened, updated_at=now)
        if state in ("pending", "resolved") and channel != "webform":
            replied = min(now, opened + timedelta(minutes=rng.randrange(10, 180)))
            reply = Event(
                id=_id(seed, "reply", n, replied), person_id=person.id,
                household_id=person.household_id, channel=channel,  # type: ignore[arg-type]
                direction="outbound", occurred_at=replied, recorded_at=replied,
                text=rng.choice(REPLIES), status="delivered", author="Demo Service",
                status_history=[StatusChange(status="sent", at=replied)],
                external_id=f"demo-{seed}-inbox-out-{n}", to=inbound.from_,
                data={"purpose": "service", "conversation_id": conversation.id})
            events.append(reply)
            conversation.first_response_at = replied
            conversation.last_event_at = replied
            conversation.last_event = last_event(reply)
        if state == "resolved":
            conversation.resolved_at = conversation.last_event_at + timedelta(minutes=5)
            conversation.resolved_by = conversation.assignee_id
            if rng.random() < 0.5:
                score = rng.choice([5, 5, 4, 4, 3, 2])
                answered = min(now, conversation.resolved_at + timedelta(minutes=30))
                answer = Event(
                    id=_id(seed, "csat", n, answered), person_id=person.id,
                    household_id=person.household_id, channel="survey",
                    direction="inbound", occurred_at=answered, recorded_at=answered,
                    status="answered", subject=f"CSAT {score}/5",
                    survey=SurveyInfo(survey_id="demo-csat", score=score),
                    external_id=f"demo-{seed}-inbox-csat-{n}",
                    data={"conversation_id": conversation.id})
                events.append(answer)
                conversation.csat_score = score
                conversation.csat_event_id = answer.id
        if state == "snoozed":
            conversation.snoozed_until = now + timedelta(hours=rng.randrange(2, 40))
        conversation.status = state  # type: ignore[assignment]
        conversation.event_ids = [e.id for e in events]
        conversation.thread_ids = [e.thread_id or e.id for e in events]
        summary.events += await store.events.append_many(events)
        try:
            await store.conversations.insert(conversation)
            summary.conversations += 1
        except DuplicateKey:
            continue  # a repeat run, or the person already has an unresolved one
    return summary

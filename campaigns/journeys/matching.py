"""What happened to a person, read from their timeline (and transactions): the one place
that says which events a trigger, an event wait, a branch or a goal means."""

from __future__ import annotations

from datetime import datetime

from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.conversations import Conversation
from hub.domain.events import Event, EventChannel, TimelineCursor, TimelineQuery
from hub.domain.journeys import EventKind, EventMatch
from hub.domain.transactions import Transaction
from hub.ports import Store

SCAN_LIMIT = 200
"""Events read per check at most: a person's recent timeline, newest first."""


def kind_of(event: Event) -> EventKind | None:
    if event.channel in SENDABLE_CHANNELS:
        return "message_received" if event.direction == "inbound" else None
    if event.channel == "webform":
        return "form_submitted"
    if event.channel == "survey":
        return "survey_answered" if event.survey and event.survey.score is not None else None
    if event.channel == "call":
        return "call_logged"
    if event.channel == "system" and isinstance(event.data.get("consent"), dict):
        return "consent_changed"
    return None


def _in_range(score: int | None, low: int | None, high: int | None) -> bool:
    if score is None:
        return False
    return (low is None or score >= low) and (high is None or score <= high)


def matches(match: EventMatch, event: Event) -> bool:
    kind = kind_of(event)
    if kind != match.kind:
        return False
    if kind == "message_received":
        return match.channel is None or event.channel == match.channel
    if kind == "form_submitted":
        return match.form_id is None or (event.form is not None
                                         and event.form.form_id == match.form_id)
    if kind == "survey_answered":
        assert event.survey is not None
        if match.survey_id is not None and event.survey.survey_id != match.survey_id:
            return False
        if match.score_min is None and match.score_max is None:
            return True
        return _in_range(event.survey.score, match.score_min, match.score_max)
    if kind == "call_logged":
        outcome = (event.call.outcome if event.call else None) or ""
        return match.outcome is None or outcome.strip().lower() == match.outcome.lower()
    if kind == "consent_changed":
        status = event.data["consent"].get("status")
        return match.consent_status is None or status == match.consent_status
    return False


def conversation_matches(match: EventMatch, conversation: Conversation) -> bool:
    """A resolved conversation of the person, in the match's team, resolved the wanted way."""
    return (match.kind == "conversation_resolved" and conversation.status == "resolved"
            and conversation.resolved_at is not None
            and (match.team_id is None or conversation.team_id == match.team_id)
            and (match.by_staff is None or match.by_staff != conversation.auto_resolved))


def transaction_matches(match: EventMatch, transaction: Transaction) -> bool:
    return match.kind == "transaction_recorded" and transaction.person_id is not None


def id_floor(moment: datetime) -> str:
    """The smallest record id made at `moment` or later (ids begin with their ms clock)."""
    return f"{int(moment.timestamp() * 1000):012x}"


def _channels(match: EventMatch) -> list[EventChannel | None]:
    if match.kind == "message_received":
        return [match.channel] if match.channel else list(SENDABLE_CHANNELS)
    by_kind: dict[str, list[EventChannel | None]] = {
        "form_submitted": ["webform"], "survey_answered": ["survey"], "call_logged": ["call"],
        "consent_changed": ["system"]}
    return by_kind.get(match.kind, [None])


async def seen_since(store: Store, person_id: str, match: EventMatch, since: datetime, *,
                     until: datetime | None = None) -> str | None:
    """The id of the newest event (or transaction) matching `match` at or after `since`
    (and before `until`, when given)."""
    if match.kind == "conversation_resolved":
        conversations = await store.conversations.for_person(person_id, limit=SCAN_LIMIT)
        resolved = [c for c in conversations if conversation_matches(match, c)
                    and c.resolved_at is not None and c.resolved_at >= since
                    and (until is None or c.resolved_at < until)]
        return max(resolved, key=lambda c: c.resolved_at or since).id if resolved else None
    if match.kind == "transaction_recorded":
        found = await store.transactions.for_person(person_id, limit=SCAN_LIMIT,
                                                    after_id=id_floor(since))
        found = [t for t in found if until is None or t.recorded_at < until]
        return found[-1].id if found else None
    for channel in _channels(match):
        before: TimelineCursor | None = None
        read = 0
        while read < SCAN_LIMIT:
            page = await store.events.timeline(
                TimelineQuery(person_ids=[person_id], channel=channel), limit=50, before=before)
            for event in page:
                if event.occurred_at < since:
                    break
                if until is not None and event.occurred_at >= until:
                    continue
                if matches(match, event):
                    return event.id
            else:
                if len(page) == 50:
                    read += 50
                    before = TimelineCursor(occurred_at=page[-1].occurred_at, id=page[-1].id)
                    continue
            break
    return None


async def latest_score(store: Store, person_id: str, since: datetime) -> int | None:
    """The score of the person's newest survey answer at or after `since`."""
    page = await store.events.timeline(
        TimelineQuery(person_ids=[person_id], channel="survey"), limit=20)
    for event in page:
        if event.occurred_at < since:
            return None
        if event.survey is not None and event.survey.score is not None:
            return event.survey.score
    return None

"""Which conversation an event belongs to (issue 13), called for every event the timeline
records and every one-to-one message sent (`TimelineService.add_listener`).

- A customer's message (email, SMS, web form, inbound call) joins the person's unresolved
  conversation, or opens one. A reply that threads (reply token, In-Reply-To, the SMS reply
  window) to a conversation resolved less than `reopen_days` ago reopens it; any other
  message after a resolution, or after `reopen_days` of silence, opens a new one (the idle
  one is resolved by the clock).
- A staff member's service reply (purpose `service`, with an author) joins the conversation
  it names or the person's unresolved one, stamps the first response and hands the turn to
  the customer (`pending`).
- A survey answer opens (or joins) one only when it asks for follow-up (a detractor, a low
  CSAT) or carries a comment; an SMS or email that was read as a survey answer is left to
  that answer. A CSAT answer to a conversation's own survey lands on that conversation.
- Campaign and journey sends, automatic mails, bounces, keywords and auto-replies are ignored.

Every write compares and sets on the conversation's version and is retried on a lost race;
replays find the event already listed and change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal

from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.common import new_id, utcnow
from hub.domain.conversations import (
    DEFAULT_SLA,
    MAX_EVENTS_KEPT,
    Conversation,
    LastEvent,
    SlaPolicy,
    Team,
)
from hub.domain.events import Event, TimelineQuery
from hub.errors import DuplicateKey
from hub.ports import ConversationPlan, Store
from hub.services.conversation_context import (
    CustomerContext,
    read_and_place,
    store_plan,
)

Kind = Literal["customer", "reply", "csat", "note", "dismiss"]
CUSTOMER_CHANNELS: tuple[str, ...] = (*SENDABLE_CHANNELS, "webform", "call", "survey")
IGNORED_FLAGS = frozenset({"bounce", "auto_reply"})
MAX_TRIES = 8
MAX_PLACED = 1000
"""Conversations written with their event's append, kept until the event is announced."""
ResolvedListener = Callable[[Conversation, bool], Awaitable[object]]
SNIPPET = 140


class LostRace(Exception):
    """Another writer changed the conversation first: read again and retry."""


def classify(event: Event) -> Kind | None:
    """What an event is to the inbox, from the event alone (no store access)."""
    if not event.person_id or event.erased:
        return None
    if event.channel == "note" and event.data.get("conversation_id"):
        return "note"
    if event.channel == "system" and event.data.get("inbox") == "no_reply_needed":
        return "dismiss"
    if event.direction == "outbound":
        if event.campaign_id or event.data.get("purpose") != "service" or not event.author:
            return None
        return None if event.status == "failed" else "reply"
    if event.channel == "system" and event.data.get("inbox") == "journey":
        return "customer"  # a journey's "notify staff" step opens a conversation
    if event.direction != "inbound" or event.channel not in CUSTOMER_CHANNELS:
        return None
    if IGNORED_FLAGS & set(event.data.get("flags", [])) or event.data.get("keyword"):
        return None
    if event.channel == "survey":
        if event.data.get("conversation_id"):
            return "csat"
        wants_follow_up = bool(event.data.get("follow_up")) or bool(
            event.survey and event.survey.comment)
        return "customer" if wants_follow_up else None
    return "customer"


def last_event(event: Event) -> LastEvent:
    text = event.subject or event.text or ""
    if event.subject and event.text:
        text = f"{event.subject}: {event.text}"
    return LastEvent(id=event.id, channel=event.channel, direction=event.direction,
                     occurred_at=event.occurred_at, snippet=" ".join(text.split())[:SNIPPET])


class ConversationRouter:
    def __init__(self, store: Store, *, reopen_days: int,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._reopen = timedelta(days=reopen_days)
        self._clock = clock
        self._resolved_listeners: list[ResolvedListener] = []
        self._placed: dict[str, Conversation] = {}  # event id -> written with its append

    def add_resolved_listener(self, listener: ResolvedListener) -> None:
        """Call `listener(conversation, auto)` once a conversation is resolved: by staff
        (auto False) or by the clock (auto True). CSAT hooks in here (`campaigns.csat`)."""
        self._resolved_listeners.append(listener)

    async def resolved(self, conversation: Conversation, *, auto: bool) -> None:
        for listener in self._resolved_listeners:
            await listener(conversation, auto)

    def plan_for(self, event: Event) -> ConversationPlan | None:
        """For a new customer message that cannot be a survey answer (no thread, no campaign:
        `SurveyService.on_inbound` has nothing to go by), the plain join (`_plain_join`) as a
        plan the store runs in the event's own transaction (`TimelineService.set_placer`);
        None for every other event, which `on_event` places after the append."""
        if event.thread_id or event.campaign_id or classify(event) != "customer":
            return None
        now = self._clock()
        return store_plan(lambda context: self._plain_join(context, event, now))

    def placed(self, event: Event, conversation: Conversation) -> None:
        if len(self._placed) >= MAX_PLACED:  # announced events pop theirs; a failed one not
            self._placed.pop(next(iter(self._placed)))
        self._placed[event.id] = conversation

    async def on_event(self, event: Event) -> Conversation | None:
        """The conversation `event` now belongs to, or None when it belongs to none."""
        placed = self._placed.pop(event.id, None)
        if placed is not None:
            return placed
        kind = classify(event)
        if kind is None or event.person_id is None:
            return None
        for _ in range(MAX_TRIES):
            try:
                if kind == "reply":
                    return await self._reply(event, event.person_id)
                if kind == "csat":
                    return await self._csat(event, event.person_id)
                if kind == "note":
                    return await self._note(event, event.person_id)
                if kind == "dismiss":
                    return await self._dismiss(event, event.person_id)
                return await self._customer(event, event.person_id)
            except LostRace:
                continue
        raise RuntimeError(f"conversation for event {event.id}: too many concurrent writers")

    async def backfill(self, *, persons: int = 10_000, per_person: int = 50) -> int:
        """Conversations for messages recorded before conversations existed (`hub
        conversations backfill`): each person the old inbox counted as waiting for an answer
        gets an open conversation holding those waiting messages. Safe to repeat: an event
        already in a conversation changes nothing. Returns the conversations touched."""
        touched: set[str] = set()
        for waiting in await self._store.events.awaiting_reply(limit=persons):
            rows = await self._store.events.timeline(
                TimelineQuery(person_ids=[waiting.person_id]), limit=per_person)
            unanswered = sorted((e for e in rows if e.direction == "inbound"
                                 and e.occurred_at >= waiting.since),
                                key=lambda e: (e.occurred_at, e.id))
            for event in unanswered:
                found = await self.on_event(event)
                if found is not None:
                    touched.add(found.id)
        return len(touched)

    # --- the three kinds ---------------------------------------------------------------------

    async def _customer(self, event: Event, person_id: str) -> Conversation | None:
        now = self._clock()
        try:
            placed = await read_and_place(self._store, event, person_id,
                                          lambda context: self._plain_join(context, event, now))
        except DuplicateKey as exc:
            raise LostRace from exc
        if placed.lost:
            raise LostRace
        if placed.written is not None:
            return placed.written
        context = placed.context
        if context.answered:
            return None  # read as a survey answer: that answer decides
        if context.holding is not None:
            return context.holding
        target = self._target(context, event)
        if (target is not None and target.status != "resolved"
                and event.occurred_at - target.last_event_at > self._reopen):
            idle = await self._write(target, self._idle_resolved(target, now))
            await self.resolved(idle, auto=True)
            target = None
        if target is None:
            return await self._open(event, person_id, now)
        return await self._write(target, await self._joined(target, event, now))

    def _target(self, context: CustomerContext, event: Event) -> Conversation | None:
        """The conversation a customer's message goes to, before the clock's say: the one
        its thread is in (a resolved one only when recent and nothing else is open), else
        the person's unresolved one."""
        active = context.active
        target = active
        if event.thread_id:
            threaded = context.threaded
            if threaded is not None and threaded.status == "resolved":
                recent = threaded.resolved_at is not None and (
                    event.occurred_at - threaded.resolved_at <= self._reopen)
                if active is None and recent:
                    target = threaded
            elif threaded is not None:
                target = threaded
        return target

    def _plain_join(self, context: CustomerContext, event: Event, now: datetime
                    ) -> tuple[Conversation, Conversation] | None:
        """The commonest case, decided from the context alone (no other read): the message
        joins an unresolved conversation that has not gone idle, naming no team. Exactly
        what `_customer` would write then (`_joined`); None for every other case."""
        if context.answered or context.holding is not None:
            return None
        target = self._target(context, event)
        if (target is None or target.status == "resolved"
                or event.occurred_at - target.last_event_at > self._reopen
                or (target.team_id is None and isinstance(event.data.get("team"), str))):
            return None
        return target, target.model_copy(update=self._join_update(target, event, now))

    async def _reply(self, event: Event, person_id: str) -> Conversation | None:
        repo = self._store.conversations
        named = event.data.get("conversation_id")
        target = await repo.get(named) if isinstance(named, str) else None
        if target is None or target.person_id != person_id:
            target = await repo.active_for_person(person_id)
        if target is None or event.id in target.event_ids:
            return target
        now = self._clock()
        update = self._attached(target, event, now)
        update["first_response_at"] = target.first_response_at or event.occurred_at
        if target.status == "open":
            update["status"] = "pending"
        return await self._write(target, target.model_copy(update=update))

    async def _csat(self, event: Event, person_id: str) -> Conversation | None:
        """The score lands on the conversation; a low score or a comment also reopens it
        (when the person has no other unresolved one): someone should follow up."""
        target = await self._store.conversations.get(str(event.data["conversation_id"]))
        if target is None or target.person_id != person_id or event.id in target.event_ids:
            return target
        now = self._clock()
        follow_up = bool(event.data.get("follow_up")) or bool(
            event.survey and event.survey.comment)
        active = await self._store.conversations.active_for_person(person_id)
        if follow_up and (active is None or active.id == target.id):
            changed = await self._joined(target, event, now)
        else:
            changed = target.model_copy(update=self._attached(target, event, now, last=False))
        changed = changed.model_copy(update={
            "csat_score": event.survey.score if event.survey else None,
            "csat_event_id": event.id})
        return await self._write(target, changed)

    async def _note(self, event: Event, person_id: str) -> Conversation | None:
        """An internal note on a conversation; staff it @mentions find it in their inbox."""
        target = await self._store.conversations.get(str(event.data["conversation_id"]))
        if target is None or target.person_id != person_id or event.id in target.event_ids:
            return target
        update = self._attached(target, event, self._clock(), last=False)
        mentioned = [m for m in event.data.get("mentions", []) if isinstance(m, str)]
        update["mentioned_ids"] = list(dict.fromkeys([*target.mentioned_ids, *mentioned]))
        return await self._write(target, target.model_copy(update=update))

    async def _dismiss(self, event: Event, person_id: str) -> Conversation | None:
        """"No reply needed" on a person: their unresolved conversation is resolved."""
        target = await self._store.conversations.active_for_person(person_id)
        if target is None:
            return None
        now = self._clock()
        update = self._attached(target, event, now, last=False)
        update.update(status="resolved", snoozed_until=None, resolved_at=now,
                      resolved_by=event.author, auto_resolved=False)
        done = await self._write(target, target.model_copy(update=update))
        await self.resolved(done, auto=False)
        return done

    # --- building and writing ----------------------------------------------------------------

    async def _open(self, event: Event, person_id: str, now: datetime) -> Conversation:
        named = event.data.get("team")
        team = (await self.team_named(named) if isinstance(named, str) else None) \
            or await self.team_for_channel(event.channel)
        policy = team.sla if team is not None and team.sla else DEFAULT_SLA
        opened = event.occurred_at
        conversation = Conversation(
            id=new_id(), person_id=person_id, team_id=team.id if team else None,
            channels=[event.channel], subject=event.subject, event_ids=[event.id],
            thread_ids=[event.thread_id or event.id], opened_at=opened,
            last_event_at=event.occurred_at, last_inbound_at=event.occurred_at,
            last_event=last_event(event), created_at=now, updated_at=now,
            first_response_due=policy.hours.add(opened, policy.first_response_minutes),
            resolution_due=policy.hours.add(opened, policy.resolution_minutes))
        if team is not None and team.auto_assign:
            conversation.assignee_id = await self.next_assignee(team)
        try:
            await self._store.conversations.insert(conversation)
        except DuplicateKey as exc:
            raise LostRace from exc  # another process opened the person's conversation first
        return conversation

    def _join_update(self, target: Conversation, event: Event, now: datetime
                     ) -> dict[str, object]:
        """What a customer's message changes in the conversation it joins, but for a team it
        names and the reopening of a resolved one (`_joined` adds those)."""
        update = self._attached(target, event, now)
        update["last_inbound_at"] = event.occurred_at
        if event.channel not in target.channels:
            update["channels"] = [*target.channels, event.channel]
        if target.status != "open":
            update.update(status="open", snoozed_until=None)
        return update

    async def _joined(self, target: Conversation, event: Event, now: datetime) -> Conversation:
        update = self._join_update(target, event, now)
        named = event.data.get("team")
        if target.team_id is None and isinstance(named, str):  # a journey step names its team
            team = await self.team_named(named)
            if team is not None:
                update["team_id"] = team.id
        if target.status == "resolved":
            policy = await self.policy_for(target.team_id)
            update.update(resolved_at=None, resolved_by=None, auto_resolved=False,
                          resolution_due=policy.hours.add(event.occurred_at,
                                                          policy.resolution_minutes))
        return target.model_copy(update=update)

    def _attached(self, target: Conversation, event: Event, now: datetime, *,
                  last: bool = True) -> dict[str, object]:
        thread = event.thread_id or event.id
        update: dict[str, object] = {
            "event_ids": [*target.event_ids, event.id][-MAX_EVENTS_KEPT:],
            "updated_at": now, "version": target.version + 1}
        if thread not in target.thread_ids:
            update["thread_ids"] = [*target.thread_ids, thread][-MAX_EVENTS_KEPT:]
        if last and event.occurred_at >= target.last_event_at:
            update["last_event_at"] = event.occurred_at
            update["last_event"] = last_event(event)
        return update

    def _idle_resolved(self, target: Conversation, now: datetime) -> Conversation:
        return target.model_copy(update={
            "status": "resolved", "snoozed_until": None, "resolved_at": now,
            "auto_resolved": True, "resolved_by": None, "updated_at": now,
            "version": target.version + 1})

    async def _write(self, before: Conversation, after: Conversation) -> Conversation:
        try:
            written = await self._store.conversations.update(after,
                                                             expected_version=before.version)
        except DuplicateKey as exc:
            raise LostRace from exc
        if not written:
            raise LostRace
        return after

    # --- teams, used by the desk too ---------------------------------------------------------

    async def policy_for(self, team_id: str | None) -> SlaPolicy:
        team = await self._store.teams.get(team_id) if team_id else None
        return team.sla if team is not None and team.sla else DEFAULT_SLA

    async def team_named(self, id_or_name: str) -> Team | None:
        """The team with this id, or else this name (any case): a journey step names one."""
        teams = await self._store.teams.find(limit=200)
        return next((t for t in teams if t.id == id_or_name), None) or next(
            (t for t in teams if t.name.casefold() == id_or_name.casefold()), None)

    async def team_for_channel(self, channel: str) -> Team | None:
        for team in await self._store.teams.find(limit=200):
            if channel in team.channels:
                return team
        return None

    async def next_assignee(self, team: Team) -> str | None:
        """Round-robin: the enabled member after the one assigned last."""
        members = []
        for member_id in team.member_ids:
            user = await self._store.users.get(member_id)
            if user is not None and not user.disabled:
                members.append(member_id)
        if not members:
            return None
        after = team.last_assigned_id
        chosen = members[(members.index(after) + 1) % len(members)] if after in members \
            else members[0]
        await self._store.teams.replace(team.model_copy(update={"last_assigned_id": chosen}))
        return chosen


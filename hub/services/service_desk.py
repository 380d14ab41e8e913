"""What service staff do with conversations (issue 13): list an inbox with filters, sort and
keyset paging (with the total), read one with its events, change it (status, snooze,
assignee, team, labels, priority) by compare-and-set on its version, reply on its channel
through the one outbound path, and keep teams, labels and canned responses.

The API and the staff pages call this same service, so both give the same answers."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.domain.common import iso, new_id, utcnow
from hub.domain.conversations import (
    CONVERSATION_STATUSES,
    NEAR_BREACH,
    PRIORITIES,
    CannedResponse,
    Conversation,
    ConversationQuery,
    Label,
    SortKey,
    Team,
    sort_value,
)
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.staff import User
from hub.errors import Conflict, DuplicateKey, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.conversations import ConversationRouter
from hub.services.messaging import MessagingService
from hub.services.paging import InvalidCursor, check_limit
from hub.services.timeline import TimelineService

UNSET: Any = object()
MENTION = re.compile(r"(?<![\w.])@([\w.-]{2,64})")
MAX_NOTE = 20_000
MAX_BULK = 5000
MAX_LABELS = 20
EVENTS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class ConversationPage:
    items: list[Conversation]
    persons: dict[str, Person]
    total: int
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Changes:
    """A staff change; fields left UNSET stay as they are."""

    status: Any = UNSET
    snoozed_until: Any = UNSET
    assignee_id: Any = UNSET
    team_id: Any = UNSET
    labels: Any = UNSET
    priority: Any = UNSET
    version: int | None = None


@dataclass(frozen=True, slots=True)
class AgentFigures:
    user_id: str
    name: str
    open: int
    breached: int
    resolved: int
    first_response_minutes: float | None
    csat: float | None
    csat_answers: int


@dataclass(frozen=True, slots=True)
class InboxFigures:
    """The inbox's KPIs: conversations per status, SLA breached and due within the hour,
    and per agent over the period: open, breached, resolved, mean first response, CSAT."""

    open: int
    pending: int
    snoozed: int
    unassigned: int
    breached: int
    near_breach: int
    agents: list[AgentFigures]


def encode_cursor(value: datetime, conversation_id: str, sort: SortKey) -> str:
    raw = json.dumps({"v": iso(value), "i": conversation_id, "s": sort}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: SortKey) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["s"] != sort:
            raise InvalidCursor(N_("this cursor belongs to another sort order"))
        return datetime.fromisoformat(payload["v"]), str(payload["i"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor(N_("cursor is not one this service issued")) from exc


class ServiceDesk:
    def __init__(self, store: Store, router: ConversationRouter, messaging: MessagingService,
                 timeline: TimelineService, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._timeline = timeline
        self._router = router
        self._messaging = messaging
        self._clock = clock

    # --- reading -------------------------------------------------------------------------

    async def page(self, query: ConversationQuery, *, sort: SortKey = "newest", limit: int = 25,
                   cursor: str | None = None) -> ConversationPage:
        check_limit(limit)
        after = decode_cursor(cursor, sort)
        await self._store.conversations.wake_snoozed(self._clock())
        rows = await self._store.conversations.page(query, sort=sort, limit=limit + 1,
                                                    after=after)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(sort_value(last, sort), last.id, sort)
        total = await self._store.conversations.count(query)
        persons = await self._store.persons.get_many(sorted({c.person_id for c in items}))
        return ConversationPage(items=items, persons={p.id: p for p in persons}, total=total,
                                next_cursor=next_cursor)

    async def ids_matching(self, query: ConversationQuery, *, limit: int = 5000) -> list[str]:
        """Every conversation id the query matches (bulk actions on "all N matching")."""
        ids: list[str] = []
        after: tuple[datetime, str] | None = None
        while len(ids) < limit:
            rows = await self._store.conversations.page(query, sort="oldest", limit=200,
                                                        after=after)
            ids += [c.id for c in rows]
            if len(rows) < 200:
                break
            after = (rows[-1].last_event_at, rows[-1].id)
        return ids[:limit]

    async def get(self, conversation_id: str) -> Conversation:
        found = await self._store.conversations.get(conversation_id)
        if found is None:
            raise NotFound(N_("no conversation %(conversation_id)s"),
                           params={"conversation_id": conversation_id},
                           details={"id": conversation_id})
        return found

    async def events(self, conversation: Conversation) -> list[Event]:
        """The conversation's events, oldest first."""
        found = []
        for event_id in conversation.event_ids[-EVENTS_SHOWN:]:
            event = await self._store.events.get(event_id)
            if event is not None:
                found.append(event)
        return sorted(found, key=lambda e: (e.occurred_at, e.id))

    async def for_person(self, person_id: str, *, limit: int = 50) -> list[Conversation]:
        check_limit(limit)
        person = await self._store.persons.get(person_id)
        if person is None:
            raise NotFound(N_("no person %(person_id)s"), params={"person_id": person_id})
        return await self._store.conversations.for_person(person_id, limit=limit)

    async def sla_counts(self) -> tuple[int, int]:
        """(breached, due within the hour) among open conversations."""
        now = self._clock()
        repo = self._store.conversations
        breached = await repo.count(ConversationQuery(breached_at=now))
        return breached, await repo.count(ConversationQuery(
            breached_at=now + NEAR_BREACH)) - breached

    async def figures(self, *, days: int = 30, per_agent_limit: int = 500) -> InboxFigures:
        """KPIs now, and per agent for conversations resolved in the last `days` (at most
        `per_agent_limit` of each agent's newest)."""
        now = self._clock()
        repo = self._store.conversations
        counts = {status: await repo.count(ConversationQuery(statuses=[status]))
                  for status in ("open", "pending", "snoozed")}
        breached, near = await self.sla_counts()
        since = now - timedelta(days=days)
        agents = []
        for user in await self.users():
            resolved = [c for c in await repo.page(
                ConversationQuery(statuses=["resolved"], assignee_id=user.id), sort="newest",
                limit=per_agent_limit) if c.resolved_at and c.resolved_at >= since]
            waits = [(c.first_response_at - c.opened_at).total_seconds() / 60
                     for c in resolved if c.first_response_at]
            scores = [c.csat_score for c in resolved if c.csat_score is not None]
            agents.append(AgentFigures(
                user_id=user.id, name=user.name or user.email,
                open=await repo.count(ConversationQuery(assignee_id=user.id)),
                breached=await repo.count(ConversationQuery(assignee_id=user.id,
                                                            breached_at=now)),
                resolved=len(resolved),
                first_response_minutes=round(sum(waits) / len(waits), 1) if waits else None,
                csat=round(sum(scores) / len(scores), 2) if scores else None,
                csat_answers=len(scores)))
        return InboxFigures(
            open=counts["open"], pending=counts["pending"], snoozed=counts["snoozed"],
            unassigned=await repo.count(ConversationQuery(unassigned=True)),
            breached=breached, near_breach=near, agents=agents)

    async def stamp(self) -> str:
        return await self._store.conversations.stamp()

    # --- changing ------------------------------------------------------------------------

    async def change(self, conversation_id: str, changes: Changes, *, actor: str) -> Conversation:
        """Apply `changes`; 422 naming the field for a bad value, 409 when `changes.version`
        is not the stored one (someone else changed it first)."""
        for _ in range(8):
            current = await self.get(conversation_id)
            if changes.version is not None and changes.version != current.version:
                raise Conflict(N_("the conversation was changed by someone else; reload it"),
                               details={"field": "version", "version": current.version})
            update = await self._validated(current, changes)
            update.update(version=current.version + 1, updated_at=self._clock())
            changed = current.model_copy(update=update)
            if changed.status == "resolved" and current.status != "resolved":
                changed = changed.model_copy(update={
                    "resolved_at": self._clock(), "resolved_by": actor, "auto_resolved": False,
                    "snoozed_until": None})
            if changed.status != "resolved" and current.status == "resolved":
                changed = changed.model_copy(update={"resolved_at": None, "resolved_by": None})
            changed = await self._follow_merge(changed)
            try:
                if await self._store.conversations.update(changed,
                                                          expected_version=current.version):
                    if changed.status == "resolved" and current.status != "resolved":
                        await self._router.resolved(changed, auto=False)
                    return changed
            except DuplicateKey as exc:  # it would be the person's second unresolved one
                other = await self._store.conversations.active_for_person(changed.person_id)
                raise Conflict(N_("the person already has an unresolved conversation"),
                               details={"conversation_id": other.id if other else None}
                               ) from exc
            if changes.version is not None:
                raise Conflict(N_("the conversation was changed by someone else; reload it"),
                               details={"field": "version"})
        raise Conflict(N_("the conversation is changing too fast; try again"))

    async def _validated(self, current: Conversation, changes: Changes) -> dict[str, Any]:
        update: dict[str, Any] = {}
        now = self._clock()
        if changes.status is not UNSET:
            if changes.status not in CONVERSATION_STATUSES:
                raise InvalidInput(N_("unknown status %(status)s"),
                                   params={"status": repr(changes.status)},
                                   details={"field": "status"})
            update["status"] = changes.status
        if changes.snoozed_until is not UNSET and changes.snoozed_until is not None:
            if changes.snoozed_until <= now:
                raise InvalidInput(N_("a snooze must end in the future"),
                                   details={"field": "snoozed_until"})
            update["snoozed_until"] = changes.snoozed_until
            update.setdefault("status", "snoozed")
        if update.get("status") == "snoozed" and "snoozed_until" not in update:
            raise InvalidInput(N_("snoozing needs snoozed_until"),
                               details={"field": "snoozed_until"})
        if update.get("status") not in (None, "snoozed"):
            update["snoozed_until"] = None
        if changes.priority is not UNSET:
            if changes.priority not in PRIORITIES:
                raise InvalidInput(N_("unknown priority %(priority)s"),
                                   params={"priority": repr(changes.priority)},
                                   details={"field": "priority"})
            update["priority"] = changes.priority
        team_id = current.team_id
        if changes.team_id is not UNSET:
            if changes.team_id is not None and await self._store.teams.get(
                    changes.team_id) is None:
                raise InvalidInput(N_("no team %(team_id)s"), params={"team_id": changes.team_id},
                                   details={"field": "team_id"})
            update["team_id"] = team_id = changes.team_id
        if changes.assignee_id is not UNSET:
            update["assignee_id"] = await self._valid_assignee(changes.assignee_id, team_id)
        if changes.labels is not UNSET:
            update["labels"] = await self._valid_labels(changes.labels)
            if team_id is None:  # a label can route a conversation to its team
                await self._route_by_label(update, current)
        return update

    async def _route_by_label(self, update: dict[str, Any], current: Conversation) -> None:
        for team in await self.teams():
            if set(team.labels) & set(update["labels"]):
                update["team_id"] = team.id
                assignee = update.get("assignee_id", current.assignee_id)
                if team.auto_assign and (assignee is None or assignee not in team.member_ids):
                    update["assignee_id"] = await self._router.next_assignee(team)
                return

    async def _valid_assignee(self, user_id: str | None, team_id: str | None) -> str | None:
        if user_id is None:
            return None
        user = await self._store.users.get(user_id)
        if user is None or user.disabled:
            message = (N_("cannot assign to %(user_id)s: no such user") if user is None
                       else N_("cannot assign to %(user_id)s: this user is disabled"))
            raise InvalidInput(message, params={"user_id": user_id},
                               details={"field": "assignee_id"})
        if user.role == "marketing":
            raise InvalidInput(N_("cannot assign to %(user_id)s: not service staff"),
                               params={"user_id": user_id},
                               details={"field": "assignee_id"})
        if team_id is not None:
            team = await self._store.teams.get(team_id)
            if team is not None and user_id not in team.member_ids:
                raise InvalidInput(N_("user %(user_id)s is not a member of team %(team)s"),
                                   params={"user_id": user_id, "team": team.name},
                                   details={"field": "assignee_id"})
        return user_id

    async def _valid_labels(self, labels: Sequence[str]) -> list[str]:
        unique = list(dict.fromkeys(labels))
        if len(unique) > MAX_LABELS:
            raise InvalidInput(N_("at most %(limit)s labels"), params={"limit": MAX_LABELS},
                               details={"field": "labels"})
        for label_id in unique:
            if await self._store.labels.get(label_id) is None:
                raise InvalidInput(N_("no label %(label)s"), params={"label": label_id},
                                   details={"field": "labels"})
        return unique

    async def _follow_merge(self, conversation: Conversation) -> Conversation:
        """A merged person's conversation moves to the person they were merged into."""
        person_id = conversation.person_id
        for _ in range(10):
            person = await self._store.persons.get(person_id)
            if person is None or not person.merged_into:
                break
            person_id = person.merged_into
        if person_id == conversation.person_id:
            return conversation
        return conversation.model_copy(update={"person_id": person_id})

    async def reply(self, conversation_id: str, *, text: str, channel: str | None,
                    subject: str | None, author: str) -> Event:
        """A service reply on the conversation's channel (the customer's last one) unless
        another is asked for; the router then stamps the first response."""
        conversation = await self.get(conversation_id)
        conversation = await self._follow_merge(conversation)
        sendable = [c for c in conversation.channels if c in ("email", "sms")]
        chosen = channel or (sendable[-1] if sendable else None)
        if subject is None and conversation.subject and chosen == "email":
            subject = conversation.subject if conversation.subject.lower().startswith(
                "re:") else f"Re: {conversation.subject}"
        return await self._messaging.send_to_person(
            conversation.person_id, text=text, channel=chosen, subject=subject, author=author,
            data={"conversation_id": conversation.id})

    async def add_note(self, conversation_id: str, text: str, *, author: User) -> Event:
        """An internal note on the conversation; each `@name` (a colleague's first name or the
        part of their email before the @) mentions them: it shows in their inbox."""
        text = text.strip()
        if not text:
            raise InvalidInput(N_("a note needs text"), details={"field": "text"})
        if len(text) > MAX_NOTE:
            raise InvalidInput(N_("a note is at most %(limit)s characters"),
                               params={"limit": MAX_NOTE}, details={"field": "text"})
        conversation = await self.get(conversation_id)
        mentions = await self._mentioned(text)
        event = Event(id=new_id(), person_id=conversation.person_id, channel="note",
                      direction="internal", text=text, author=author.name or author.email,
                      data={"conversation_id": conversation.id, "mentions": mentions})
        stored, _ = await self._timeline.record(event)
        return stored

    async def _mentioned(self, text: str) -> list[str]:
        words = {w.lower().rstrip(".") for w in MENTION.findall(text)}
        if not words:
            return []
        found = []
        for user in await self._store.users.find(limit=1000):
            handles = {user.email.split("@")[0].lower()}
            if user.name:
                handles.add(user.name.split()[0].lower())
            if handles & words and not user.disabled:
                found.append(user.id)
        return found

    async def bulk(self, ids: Sequence[str], changes: Changes, *, actor: str
                   ) -> tuple[int, list[tuple[str, str]]]:
        """Apply `changes` to each conversation; (changed, [(id, problem)]). A bad value for
        one (a user outside its team) does not stop the others."""
        if len(ids) > MAX_BULK:
            raise InvalidInput(N_("at most %(limit)s conversations at once"),
                               params={"limit": MAX_BULK}, details={"field": "ids"})
        changed = 0
        problems: list[tuple[str, str]] = []
        for conversation_id in ids:
            try:
                await self.change(conversation_id, changes, actor=actor)
                changed += 1
            except (InvalidInput, Conflict, NotFound) as exc:
                problems.append((conversation_id, exc.message))
        return changed, problems

    async def users(self) -> list[User]:
        """Staff who can take conversations (enabled service staff and admins)."""
        return [u for u in await self._store.users.find(limit=1000)
                if not u.disabled and u.role != "marketing"]

    # --- teams, labels, canned responses -------------------------------------------------

    async def teams(self) -> list[Team]:
        return await self._store.teams.find(limit=200)

    async def create_team(self, team: Team) -> Team:
        for member_id in team.member_ids:
            user = await self._store.users.get(member_id)
            if user is None:
                raise InvalidInput(N_("no user %(user_id)s"), params={"user_id": member_id},
                                   details={"field": "member_ids"})
        await self._store.teams.insert(team)
        return team

    async def labels(self) -> list[Label]:
        return await self._store.labels.find(limit=200)

    async def create_label(self, name: str) -> Label:
        name = name.strip()
        for held in await self.labels():
            if held.name.lower() == name.lower():
                raise Conflict(N_("a label %(name)s exists"), params={"name": repr(name)},
                               details={"id": held.id})
        label = Label(id=new_id(), name=name)
        await self._store.labels.insert(label)
        return label

    async def canned_responses(self, *, user_id: str) -> list[CannedResponse]:
        """Everyone's, the user's teams', and the user's own."""
        teams = {t.id for t in await self.teams() if user_id in t.member_ids}
        return [c for c in await self._store.canned_responses.find(limit=200)
                if (c.owner_id is None or c.owner_id == user_id)
                and (c.team_id is None or c.team_id in teams)]

    async def create_canned(self, canned: CannedResponse) -> CannedResponse:
        if canned.team_id is not None and await self._store.teams.get(canned.team_id) is None:
            raise InvalidInput(N_("no team %(team_id)s"), params={"team_id": canned.team_id},
                               details={"field": "team_id"})
        await self._store.canned_responses.insert(canned)
        return canned

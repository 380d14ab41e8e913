"""The timeline: record events and read them newest first, per person, household, organisation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar

from hub.domain.common import new_id, utcnow
from hub.domain.conversations import Conversation
from hub.domain.event_json import EventJson
from hub.domain.events import Event, EventChannel, TimelineQuery
from hub.domain.parties import Person
from hub.errors import HubError, InvalidInput, Moved, NotFound
from hub.i18n import N_
from hub.ports import ConversationPlan, Store
from hub.services.paging import (
    Page,
    check_limit,
    decode_timeline_cursor,
    encode_timeline_cursor,
)

SubjectKind = Literal["person", "household", "organisation"]
EventListener = Callable[[Event], Awaitable[object]]
MAX_NOTE_LENGTH = 20_000
RECENT = timedelta(days=1)
"""Events older than this when recorded are history (imports): `new_only` listeners are not
told."""
log = logging.getLogger("hub.timeline")


class _Positioned(Protocol):
    """A timeline item: where it sits in the (occurred_at, id) order."""

    @property
    def id(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...


P = TypeVar("P", bound=_Positioned)


class Placer(Protocol):
    """Where a new event goes in a conversation, decided before its append so that on SQLite
    the conversation is written in the append's transaction (`ConversationRouter`)."""

    def plan_for(self, event: Event) -> ConversationPlan | None:
        """The plan to run on the conversations read in the append's transaction, or None
        for an event its listener places after the append (the general case)."""

    def placed(self, event: Event, conversation: Conversation) -> None:
        """The plan wrote `conversation` with the event: its listener has nothing to do."""


class TimelineService:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._listeners: list[tuple[EventListener, bool]] = []
        self._placer: Placer | None = None

    def set_placer(self, placer: Placer) -> None:
        """Let `placer` write an event's conversation with the event where the store can
        (SQLite: one transaction, one hop per inbound message); elsewhere its listener does."""
        self._placer = placer

    def add_listener(self, listener: EventListener, *, new_only: bool = False) -> None:
        """Call `listener` with every event recorded through the service (new or replayed:
        it must be idempotent) and every one-to-one message sent (`OutboundPath.send`). The
        one hook for features that follow events: conversations, journeys. Campaign sends do
        not pass here. A `new_only` listener (journeys) hears only events stored now for the
        first time that are not history (occurred within RECENT), and its failure is logged
        while the event stays stored."""
        self._listeners.append((listener, new_only))

    async def announce(self, event: Event, *, created: bool = True) -> None:
        fresh = created and event.occurred_at >= utcnow() - RECENT
        for listener, new_only in self._listeners:
            if not new_only:
                await listener(event)
            elif fresh:
                try:
                    await listener(event)
                except HubError as exc:
                    log.warning("event listener failed", extra={"event_id": event.id,
                                                                "error": exc.code})

    async def record(self, event: Event, *, announce: bool = True,
                     person: Person | None = None) -> tuple[Event, bool]:
        """Append (idempotent on channel + external_id), stamping the person's household.
        `announce=False` leaves calling the listeners to the caller (the inbox announces an
        inbound message after its own listeners have read it, e.g. as a survey answer).
        `person`: the event's person as the caller just read it (not read again)."""
        if event.person_id and event.household_id is None:
            if person is None or person.id != event.person_id:
                person = await self._store.persons.get(event.person_id)
            if person is not None and person.household_id:
                event = event.model_copy(update={"household_id": person.household_id})
        placer = self._placer
        plan = placer.plan_for(event) if placer is not None else None
        if placer is not None and plan is not None:
            stored, created, conversation = await self._store.events.append_placing(event, plan)
            if conversation is not None:
                placer.placed(stored, conversation)
        else:
            stored, created = await self._store.events.append(event)
        if announce:
            await self.announce(stored, created=created)
        return stored, created

    async def add_note(
        self, person_id: str, text: str, *, role_id: str | None = None, author: str | None = None
    ) -> Event:
        """A staff note; made in a role, it also shows on that organisation's timeline."""
        text = text.strip()
        if not text:
            raise InvalidInput(N_("a note needs text"), details={"field": "text"})
        if len(text) > MAX_NOTE_LENGTH:
            raise InvalidInput(N_("a note is at most %(max_note_length)s characters"),
                               params={"max_note_length": MAX_NOTE_LENGTH})
        organisation_id = None
        if role_id is not None:
            role = await self._store.roles.get(role_id)
            if role is None or role.person_id != person_id:
                raise InvalidInput(
                    N_("role %(role_id)s is not a role of person %(person_id)s"),
                    params={"role_id": role_id, "person_id": person_id},
                    details={"field": "role_id"},
                )
            organisation_id = role.organisation_id
        event = Event(
            id=new_id(), person_id=person_id, organisation_id=organisation_id, role_id=role_id,
            channel="note", direction="internal", text=text, author=author,
        )
        stored, _ = await self.record(event)
        return stored

    async def no_reply_needed(self, person_id: str, *, author: str) -> Event:
        """Take a person off the staff inbox: a system event answers what is waiting."""
        event = Event(id=new_id(), person_id=person_id, channel="system", direction="internal",
                      subject="No reply needed", text=f"Marked as needing no reply by {author}",
                      author=author, data={"inbox": "no_reply_needed"})
        return (await self.record(event))[0]

    async def page(
        self,
        subject: SubjectKind,
        subject_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        channel: EventChannel | None = None,
    ) -> Page[Event]:
        return await self._page(self._store.events.timeline, subject, subject_id, limit=limit,
                                cursor=cursor, channel=channel)

    async def page_json(
        self,
        subject: SubjectKind,
        subject_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        channel: EventChannel | None = None,
    ) -> Page[EventJson]:
        """`page` with each event as its API JSON text (the API's timelines): the same
        events, cursor and errors, without a model round-trip per event."""
        return await self._page(self._store.events.timeline_json, subject, subject_id,
                                limit=limit, cursor=cursor, channel=channel)

    async def _page(
        self,
        read: Callable[..., Awaitable[list[P]]],
        subject: SubjectKind,
        subject_id: str,
        *,
        limit: int,
        cursor: str | None,
        channel: EventChannel | None,
    ) -> Page[P]:
        check_limit(limit)
        before = decode_timeline_cursor(cursor)
        query = await self._query_for(subject, subject_id, channel)
        if query is None:
            return Page(items=[], next_cursor=None)
        rows = await read(query, limit=limit + 1, before=before)
        if not rows and subject == "person":
            await self._check_person(subject_id)
        items = rows[:limit]
        more = len(rows) > limit
        next_cursor = encode_timeline_cursor(items[-1].occurred_at, items[-1].id) if more else None
        return Page(items=items, next_cursor=next_cursor)

    async def _check_person(self, person_id: str) -> None:
        person = await self._store.persons.get(person_id)
        if person is None:
            raise NotFound(N_("no person %(person_id)s"),
                           params={"person_id": person_id})
        if person.merged_into:
            raise Moved(person_id, person.merged_into)

    async def _query_for(
        self, subject: SubjectKind, subject_id: str, channel: EventChannel | None
    ) -> TimelineQuery | None:
        if subject == "person":  # checked only when the page is empty: one query fewer
            return TimelineQuery(person_ids=[subject_id], channel=channel)
        if subject == "household":
            if await self._store.households.get(subject_id) is None:
                raise NotFound(N_("no household %(subject_id)s"),
                               params={"subject_id": subject_id})
            members = await self._store.persons.in_household(subject_id)
            if not members:
                return None
            return TimelineQuery(person_ids=[p.id for p in members], channel=channel)
        if await self._store.organisations.get(subject_id) is None:
            raise NotFound(N_("no organisation %(subject_id)s"),
                           params={"subject_id": subject_id})
        return TimelineQuery(organisation_id=subject_id, channel=channel)

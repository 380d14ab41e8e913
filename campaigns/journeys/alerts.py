"""A journey's "notify staff / open a conversation" step, behind one small interface.

`InboxAlerts` records a `system` event with direction `inbound` and `data.inbox = "journey"`
on the person's timeline, carrying the team (id or name) and the note; the conversations
router (`hub/services/conversations.py`) opens a conversation for it in that team, like an
inbound message. Idempotent on the step's key (the event's external id)."""

from __future__ import annotations

from typing import Protocol

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.services.timeline import TimelineService


class StaffAlerts(Protocol):
    async def open(self, person: Person, *, team: str | None, note: str, key: str,
                   journey_id: str, journey_name: str) -> Event:
        """Ask staff to look at `person`; idempotent on `key` (a retried step opens one)."""
        ...


class InboxAlerts:
    def __init__(self, timeline: TimelineService) -> None:
        self._timeline = timeline

    async def open(self, person: Person, *, team: str | None, note: str, key: str,
                   journey_id: str, journey_name: str) -> Event:
        event = Event(
            id=new_id(), person_id=person.id, channel="system", direction="inbound",
            external_id=f"alert:{key}", subject=f"Journey {journey_name}: follow up",
            text=note or None,
            data={"inbox": "journey", "team": team, "journey_id": journey_id})
        stored, _ = await self._timeline.record(event)
        return stored

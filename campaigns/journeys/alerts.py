"""A journey's "notify staff / open a conversation" step, behind one small interface.

Until the service desk has conversations, `InboxAlerts` puts the person in the staff inbox:
a `system` event with direction `inbound` waits for an answer like an inbound message does
(see `EventRepo.awaiting_reply`), carrying the team and the note. A conversations service
can implement `StaffAlerts` instead and be handed to the engine in `hub/wiring.py`."""

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

"""Calls on the timeline: one call event per CallSid / external id, whether it arrives from a
Twilio voice callback, a staff log or a CSV export, enriched as later reports come in."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from hub.domain.common import iso, new_id, utcnow
from hub.domain.events import CallInfo, Event, StatusChange
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.ports import Store
from hub.services.identities import IdentityService, Resolution
from hub.services.keyed_locks import KeyedLocks
from hub.services.persons import PersonService
from hub.services.timeline import TimelineService

CallDirection = Literal["inbound", "outbound"]
CALL_STATUS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "completed": 4,
                    "busy": 4, "no-answer": 4, "canceled": 4, "failed": 4}
BATCH = 500
MAX_REJECTED_LISTED = 1000
MAX_CACHED_NUMBERS = 10_000


@dataclass(frozen=True, slots=True)
class CallDetails:
    direction: CallDirection
    started_at: datetime | None = None
    duration_s: int | None = None
    wait_s: int | None = None
    agent: str | None = None
    outcome: str | None = None
    notes: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImportLine:
    line: int
    call: CallDetails | None = None
    number: str | None = None
    error: str | None = None


@dataclass(slots=True)
class CallImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected_total: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, error: str) -> None:
        self.rejected_total += 1
        if len(self.rejected) < MAX_REJECTED_LISTED:
            self.rejected.append({"line": line, "error": error})


def _fill(existing: Event, new: Event) -> Event | None:
    """`existing` with its empty fields taken from `new`; None when nothing changes. Staff's
    words are never overwritten by a later report."""
    updates: dict[str, Any] = {}
    for name in ("person_id", "household_id", "from_", "to", "text", "author"):
        if getattr(existing, name) is None and getattr(new, name) is not None:
            updates[name] = getattr(new, name)
    old, extra = existing.call or CallInfo(), new.call or CallInfo()
    call = {k: getattr(old, k) if getattr(old, k) is not None else getattr(extra, k)
            for k in ("duration_s", "wait_s", "agent", "outcome")}
    if CallInfo(**call) != old:
        updates["call"] = CallInfo(**call)
    return existing.model_copy(update=updates) if updates else None


class CallService:
    def __init__(
        self, store: Store, identities: IdentityService, persons: PersonService,
        timeline: TimelineService,
    ) -> None:
        self._store = store
        self._identities = identities
        self._persons = persons
        self._timeline = timeline
        self._locks = KeyedLocks()
        self._listeners: list[Callable[[Event], Awaitable[object]]] = []

    def add_listener(self, listener: Callable[[Event], Awaitable[object]]) -> None:
        """Call `listener` with every call staff log (survey triggers hook in here; imports
        of historic calls and provider callbacks do not notify). It must be idempotent."""
        self._listeners.append(listener)

    async def log(
        self, details: CallDetails, *, person_id: str | None = None, phone: str | None = None,
        author: str | None = None,
    ) -> tuple[Event, bool]:
        """A call logged by staff; with a known external id the stored call is completed with
        what it lacks and returned (created False)."""
        event, created = await self._log(details, person_id=person_id, phone=phone,
                                         author=author)
        for listener in self._listeners:
            await listener(event)
        return event, created

    async def _log(
        self, details: CallDetails, *, person_id: str | None, phone: str | None,
        author: str | None,
    ) -> tuple[Event, bool]:
        if person_id:
            person = await self._persons.get(person_id)
            number = self._identities.normalise("phone", phone) if phone else None
        elif phone:
            number = self._identities.normalise("phone", phone)
            person = (await self._identities.resolve_or_create(number, kind="phone")).person
        else:
            raise InvalidInput(N_("give person_id or phone"), details={"field": "person_id"})
        number = number or (person.phones[0] if person.phones else None)
        event = self._event(details, person_id=person.id, household_id=person.household_id,
                            number=number, author=author)
        if details.external_id is None:
            return await self._timeline.record(event)
        async with self._locks.hold(details.external_id):
            stored, created = await self._timeline.record(event)
            if created:
                return stored, True
            merged = _fill(stored, event)
            if merged is not None:
                await self._store.events.replace(merged)
                stored = merged
            return stored, False

    async def callback(
        self, *, sid: str, status: str, direction: CallDirection, from_number: str | None,
        to_number: str | None, duration_s: int | None, at: datetime | None,
    ) -> Event:
        """A Twilio voice status callback: the call's event is made on the first one and
        updated by the rest, whatever their order; a repeated status changes nothing."""
        at = at or utcnow()
        async with self._locks.hold(sid):
            stored = await self._store.events.find_by_external("call", sid)
            if stored is None:
                customer = from_number if direction == "inbound" else to_number
                resolution = await self._resolve(customer)
                person = resolution.person if resolution else None
                start = at - timedelta(seconds=duration_s or 0)
                event = Event(
                    id=new_id(), person_id=person.id if person else None,
                    household_id=person.household_id if person else None, channel="call",
                    direction=direction, occurred_at=start, to=to_number, status=status,
                    status_history=[StatusChange(status=status, at=at)], external_id=sid,
                    call=CallInfo(duration_s=duration_s), from_=from_number,
                )
                stored, created = await self._timeline.record(event)
                if created:
                    return stored
            return await self._update(stored, status, duration_s, at)

    async def _update(
        self, stored: Event, status: str, duration_s: int | None, at: datetime
    ) -> Event:
        updates: dict[str, Any] = {}
        if not any(change.status == status for change in stored.status_history):
            updates["status_history"] = [*stored.status_history,
                                         StatusChange(status=status, at=at)]
            if CALL_STATUS_RANK.get(status, -1) > CALL_STATUS_RANK.get(stored.status or "", -1):
                updates["status"] = status
        call = stored.call or CallInfo()
        if duration_s is not None and call.duration_s != duration_s:
            updates["call"] = call.model_copy(update={"duration_s": duration_s})
        if not updates:
            return stored
        updated = stored.model_copy(update=updates)
        await self._store.events.replace(updated)
        return updated

    async def import_lines(self, lines: AsyncIterator[ImportLine]) -> CallImportReport:
        """Store the good lines in batches (a re-import adds nothing), report the rest."""
        report = CallImportReport()
        batch: list[Event] = []
        people: dict[str, Resolution] = {}
        async for item in lines:
            if item.call is None or item.number is None:
                report.reject(item.line, item.error or "no call on this line")
                continue
            try:
                number = self._identities.normalise("phone", item.number)
            except InvalidInput as exc:
                report.reject(item.line, f"number: {exc.message}")
                continue
            if number not in people:
                if len(people) >= MAX_CACHED_NUMBERS:
                    people.clear()
                people[number] = await self._identities.resolve_or_create(number, kind="phone")
            person = people[number].person
            details = item.call
            if details.external_id is None:
                key = f"{iso(details.started_at or utcnow())}|{number}|{details.direction}"
                digest = hashlib.sha256(key.encode()).hexdigest()[:32]
                details = replace(details, external_id=f"csv:{digest}")
            batch.append(self._event(details, person_id=person.id,
                                     household_id=person.household_id, number=number,
                                     author=None))
            if len(batch) >= BATCH:
                await self._flush(batch, report)
        await self._flush(batch, report)
        return report

    async def _flush(self, batch: list[Event], report: CallImportReport) -> None:
        if not batch:
            return
        inserted = await self._store.events.append_many(batch)
        report.imported += inserted
        report.duplicates += len(batch) - inserted
        batch.clear()

    async def _resolve(self, number: str | None) -> Resolution | None:
        """The customer behind a number; None for a withheld or non-phone caller."""
        if not number:
            return None
        try:
            return await self._identities.resolve_or_create(number, kind="phone")
        except InvalidInput:
            return None

    @staticmethod
    def _event(
        details: CallDetails, *, person_id: str, household_id: str | None, number: str | None,
        author: str | None,
    ) -> Event:
        return Event(
            id=new_id(), person_id=person_id, household_id=household_id, channel="call",
            direction=details.direction, occurred_at=details.started_at or utcnow(),
            text=details.notes, author=author, status="completed",
            status_history=[StatusChange(status="completed")], external_id=details.external_id,
            to=number if details.direction == "outbound" else None,
            call=CallInfo(duration_s=details.duration_s, wait_s=details.wait_s,
                          agent=details.agent, outcome=details.outcome),
            from_=number if details.direction == "inbound" else None,
        )


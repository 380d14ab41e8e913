"""Erasure (GDPR art. 17): personal data goes everywhere it reached; anonymised counts and a
keyed-hash suppression stay.

Where a person's data reaches, and what happens to it: the profile (blanked), addresses
(deleted; a keyed hash kept so an erased person who objected is not made reachable again),
roles (deleted), every event (personal fields blanked, provider ids hashed, status details
dropped), attachments and raw mail kept for their events (blob files deleted), what the
sandbox outbox "sent" them (files deleted), bounce bookkeeping per address (deleted), survey
answers (kept as anonymous scores without comment), a household they were the only member
of (its name blanked), their transactions' references (hashed like provider ids; amounts and
dates stay for revenue figures), and quarantined raw mail that names one of their email
addresses (entry and raw bytes deleted: the reason may quote the address). Quarantine has no
link to a person, so it is found by reading each held mail: quarantine is small, and an
address hidden in an encoded part is not found (staff resolve the quarantine as they go)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.domain.common import utcnow
from hub.domain.events import Event, TimelineCursor, TimelineQuery
from hub.domain.identities import Suppression
from hub.domain.parties import Person
from hub.errors import NotFound
from hub.ports import Store
from hub.services.identities import IdentityService
from hub.services.outbox import forget
from hub.services.persons import PersonService
from hub.store.blobs import FileBlobStore

PAGE = 500


@dataclass(frozen=True, slots=True)
class ErasureReport:
    person_id: str
    erased_at: datetime
    addresses_suppressed: int
    roles_removed: int
    events_erased: int


class ErasureService:
    def __init__(self, store: Store, persons: PersonService, identities: IdentityService,
                 blobs: FileBlobStore, var_dir: Path) -> None:
        self._store = store
        self._persons = persons
        self._identities = identities
        self._blobs = blobs
        self._var_dir = var_dir

    async def erase(self, person_id: str) -> ErasureReport:
        """Idempotent in effect: each step can run again after a crash without harm."""
        person = await self._persons.get(person_id)
        events = await self._events(person.id)
        removed = await self._store.identities.delete_for_person(person.id)
        addresses = {(i.kind, i.value) for i in removed}
        addresses |= {("email", e) for e in person.emails} | {("phone", p) for p in person.phones}
        for kind, value in addresses:
            await self._store.suppressions.add(
                Suppression(hash=self._identities.suppression_hash(kind, value), kind=kind))
            if kind == "email":
                await self._store.channel_state.delete(f"email-bounces:{value.lower()}")
        roles = await self._store.roles.for_person(person.id)
        for role in roles:
            await self._store.roles.delete(role.id)
        await self._forget_files(events)
        erased_events = await self._store.events.erase_person(person.id)
        for event in await self._events(person.id):
            await self._store.events.replace(_without_traces(event))
        await self._store.survey_responses.anonymise_person(person.id)
        await self._forget_conversations(person.id)
        await self._store.merges.delete_for_person(person.id)  # audits hold both profiles
        await self._forget_household(person)
        await self._forget_transaction_references(person.id)
        await self._forget_quarantined(
            [value for kind, value in addresses if kind == "email"])
        erased_at = utcnow()
        await self._store.persons.replace(Person(
            id=person.id, customer_status=person.customer_status, created_at=person.created_at,
            updated_at=erased_at, erased_at=erased_at,
        ))
        return ErasureReport(person_id=person.id, erased_at=erased_at,
                             addresses_suppressed=len(addresses), roles_removed=len(roles),
                             events_erased=erased_events)

    async def _events(self, person_id: str) -> list[Event]:
        query, found = TimelineQuery(person_ids=[person_id]), []
        before: TimelineCursor | None = None
        while page := await self._store.events.timeline(query, limit=PAGE, before=before):
            found += page
            before = TimelineCursor(occurred_at=page[-1].occurred_at, id=page[-1].id)
        return found

    async def _forget_files(self, events: list[Event]) -> None:
        """Blobs the events name (attachments, raw mail) and the sandbox outbox's copies."""
        for event in events:
            for attachment in event.data.get("attachments") or []:
                if isinstance(attachment, dict) and attachment.get("blob_key"):
                    await self._blobs.delete(str(attachment["blob_key"]))
        await asyncio.to_thread(forget, self._var_dir,
                                [e.id for e in events if e.direction == "outbound"])

    async def _forget_conversations(self, person_id: str) -> None:
        """Conversations keep their state and figures, not the words: subject and the last
        message's snippet go (the events themselves were blanked above)."""
        for held in await self._store.conversations.for_person(person_id, limit=10_000):
            for _ in range(8):
                last = held.last_event.model_copy(update={"snippet": ""}) \
                    if held.last_event else None
                blank = held.model_copy(update={"subject": None, "last_event": last,
                                                "version": held.version + 1,
                                                "updated_at": utcnow()})
                if await self._store.conversations.update(blank, expected_version=held.version):
                    break
                fresh = await self._store.conversations.get(held.id)
                if fresh is None:
                    break
                held = fresh
    async def _forget_transaction_references(self, person_id: str) -> None:
        after: str | None = None
        while page := await self._store.transactions.for_person(person_id, limit=PAGE,
                                                                after_id=after):
            for transaction in page:
                hashed = _hashed(transaction.external_id)
                if hashed != transaction.external_id:
                    await self._store.transactions.replace(
                        transaction.model_copy(update={"external_id": hashed}))
            after = page[-1].id

    async def _forget_quarantined(self, emails: list[str]) -> None:
        needles = [email.lower().encode() for email in emails if email]
        if not needles:
            return
        after: str | None = None
        while page := await self._store.quarantine.find(limit=PAGE, after_id=after):
            for entry in page:
                try:
                    raw = (await self._blobs.get(entry.blob_key)).lower()
                except NotFound:
                    raw = b""
                text = (entry.reason + repr(entry.details)).lower().encode()
                if any(needle in raw or needle in text for needle in needles):
                    await self._blobs.delete(entry.blob_key)
                    await self._store.quarantine.delete(entry.id)
            after = page[-1].id

    async def _forget_household(self, person: Person) -> None:
        if not person.household_id:
            return
        others = [p for p in await self._store.persons.in_household(person.household_id)
                  if p.id != person.id and p.is_active]
        household = await self._store.households.get(person.household_id)
        if household is not None and not others and household.name:
            await self._store.households.replace(household.model_copy(update={"name": ""}))


def _without_traces(event: Event) -> Event:
    """Provider ids (a Message-ID can hold an address) hashed, so a replayed webhook or mail
    still finds its event; status details (bounce texts quote the address) dropped."""
    external = _hashed(event.external_id) if event.external_id else None
    history = [change.model_copy(update={"detail": None}) for change in event.status_history]
    return event.model_copy(update={"external_id": external, "status_history": history})


def _hashed(reference: str) -> str:
    """A provider id or reference replaced by its hash: still unique and still matched by a
    replay of the same id, no longer readable."""
    if reference.startswith("erased:"):
        return reference
    return "erased:" + hashlib.sha256(reference.encode()).hexdigest()

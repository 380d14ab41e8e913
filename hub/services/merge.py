"""Merging duplicate persons: identities, roles, events and revenue move; the old id redirects.

Every merge first writes an audit (`hub.domain.merges.MergeRecord`: both persons as they
were and the ids of everything that moves), so that `undo` (in `hub.services.unmerge`) can
move it all back within the audit's retention. A crash after the audit but before the move
leaves an audit whose undo moves back only what did move (the ids are matched as they are
now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hub.domain.address_consent import materialise, refresh
from hub.domain.common import new_id, utcnow
from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel, ConsentState
from hub.domain.events import Event, TimelineCursor, TimelineQuery
from hub.domain.identities import Identity
from hub.domain.merges import MERGE_AUDIT_RETENTION, MergeRecord
from hub.domain.parties import Person, Role
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.duplicates import DuplicateSuggestion, suggest_duplicates
from hub.services.persons import PROFILE_FIELDS, PersonService
from hub.services.timeline import TimelineService
from hub.services.unmerge import undo_merge

PAGE = 500


def combined(survivor: Person, duplicate: Person) -> Person:
    """The survivor's profile with the duplicate's filling its gaps; addresses and tags united;
    each address keeps its own consent (an opt-in on the duplicate's number never covers the
    survivor's); the person-level view per channel is derived from those records again."""
    update: dict[str, object] = {}
    for name in PROFILE_FIELDS:
        if getattr(survivor, name) in (None, "", [], {}) and getattr(duplicate, name):
            update[name] = getattr(duplicate, name)
    update["emails"] = survivor.emails + [e for e in duplicate.emails if e not in survivor.emails]
    update["phones"] = survivor.phones + [p for p in duplicate.phones if p not in survivor.phones]
    update["tags"] = survivor.tags + [t for t in duplicate.tags if t not in survivor.tags]
    update["attributes"] = {**duplicate.attributes, **survivor.attributes}
    mine, theirs = materialise(survivor), materialise(duplicate)
    address_consent: dict[ConsentChannel, list[ConsentState]] = {}
    for channel in CONSENT_CHANNELS:
        by_address: dict[str | None, ConsentState] = {}
        for state in [*theirs.get(channel, []), *mine.get(channel, [])]:
            known = by_address.get(state.address)
            if known is None or (state.at and (known.at is None or state.at > known.at)):
                by_address[state.address] = state
        if by_address:
            address_consent[channel] = list(by_address.values())
    update["address_consent"] = address_consent
    seen = dict(duplicate.last_inbound_on)
    for key, at in survivor.last_inbound_on.items():
        seen[key] = max(at, seen.get(key, at))
    update["last_inbound_on"] = seen
    update["updated_at"] = utcnow()
    merged = survivor.model_copy(update=update)
    for channel in CONSENT_CHANNELS:
        refresh(merged, channel)
    return merged


@dataclass(frozen=True, slots=True)
class MergePreview:
    """What a merge would move from `duplicate` into `survivor`."""

    survivor: Person
    duplicate: Person
    identities: list[Identity]
    roles: list[Role]
    events: int


class MergeService:
    def __init__(self, store: Store, persons: PersonService, timeline: TimelineService, *,
                 retention: timedelta = MERGE_AUDIT_RETENTION, region: str = "NL") -> None:
        self._store = store
        self._persons = persons
        self._timeline = timeline
        self.retention = retention
        self._region = region

    async def preview(self, survivor_id: str, duplicate_id: str) -> MergePreview:
        """Both persons and what would move; InvalidInput (for the form that names the
        duplicate) when it is blank, unknown or the survivor itself."""
        survivor = await self._persons.get(survivor_id)
        if not duplicate_id:
            raise InvalidInput(N_("give the id of the duplicate person"),
                               details={"field": "duplicate_id"})
        try:
            duplicate = await self._persons.get(duplicate_id)
        except NotFound as exc:
            raise InvalidInput(N_("there is no person %(duplicate_id)s"),
                               params={"duplicate_id": duplicate_id},
                               details={"field": "duplicate_id"}) from exc
        if duplicate.id == survivor.id:
            raise InvalidInput(N_("a person cannot be merged into itself"),
                               details={"field": "duplicate_id"})
        return MergePreview(
            survivor=survivor, duplicate=duplicate,
            identities=await self._store.identities.for_person(duplicate.id),
            roles=await self._store.roles.for_person(duplicate.id),
            events=await self._store.events.count_for_person(duplicate.id))

    async def merge(self, survivor_id: str, duplicate_id: str, *, by: str | None = None
                    ) -> Person:
        """Fold `duplicate_id` into `survivor_id`, after recording the audit an unmerge
        needs. Re-running after a crash completes the move."""
        if survivor_id == duplicate_id:
            raise InvalidInput(N_("a person cannot be merged into itself"),
                               details={"field": "duplicate_id"})
        survivor = await self._persons.get(survivor_id)
        duplicate = await self._persons.get(duplicate_id)
        audit = await self._audit(survivor, duplicate, by)
        await self._store.identities.reassign_person(duplicate.id, survivor.id)
        await self._store.roles.reassign_person(duplicate.id, survivor.id)
        moved = await self._store.events.reassign_person(duplicate.id, survivor.id)
        await self._store.transactions.reassign_person(duplicate.id, survivor.id)
        merged = combined(survivor, duplicate)
        await self._store.persons.replace(merged)
        redirect = Person(id=duplicate.id, merged_into=survivor.id, created_at=duplicate.created_at,
                          customer_status=duplicate.customer_status)
        await self._store.persons.replace(redirect)
        await self._timeline.record(Event(
            id=new_id(), person_id=survivor.id, channel="system", direction="internal",
            subject="Duplicate merged",
            text=f"Person {duplicate.id} was merged into this person ({moved} events moved).",
            data={"merge": {"duplicate_id": duplicate.id, "events_moved": moved,
                            "merge_id": audit.id}},
        ))
        return merged

    async def _audit(self, survivor: Person, duplicate: Person, by: str | None
                     ) -> MergeRecord:
        event_ids: list[str] = []
        before: TimelineCursor | None = None
        query = TimelineQuery(person_ids=[duplicate.id])
        while page := await self._store.events.timeline(query, limit=PAGE, before=before):
            event_ids += [e.id for e in page]
            before = TimelineCursor(occurred_at=page[-1].occurred_at, id=page[-1].id)
        transaction_ids: list[str] = []
        after: str | None = None
        while sales := await self._store.transactions.for_person(duplicate.id, limit=PAGE,
                                                                 after_id=after):
            transaction_ids += [t.id for t in sales]
            after = sales[-1].id
        now = utcnow()
        audit = MergeRecord(
            id=new_id(), survivor_id=survivor.id, duplicate_id=duplicate.id, at=now, by=by,
            survivor_before=survivor, duplicate_before=duplicate,
            identities=await self._store.identities.for_person(duplicate.id),
            roles=await self._store.roles.for_person(duplicate.id), event_ids=event_ids,
            transaction_ids=transaction_ids, expires_at=now + self.retention)
        await self._store.merges.insert(audit)
        return audit

    async def audits(self, person_id: str) -> list[MergeRecord]:
        """The merges this person took part in (as survivor or duplicate), newest first."""
        return await self._store.merges.for_person(person_id)

    async def undo(self, merge_id: str, *, by: str | None = None) -> MergeRecord:
        """Move back what the merge moved (see `hub.services.unmerge`)."""
        return await undo_merge(self._store, self._timeline, merge_id, by=by)

    async def duplicates(self, person_id: str) -> list[DuplicateSuggestion]:
        """Persons that may be the same human (see `hub.services.duplicates`)."""
        person = await self._persons.get(person_id)
        return await suggest_duplicates(self._store, self._persons, person,
                                        region=self._region)

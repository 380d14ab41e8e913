"""Merging duplicate persons: identities, roles, events and revenue move; the old id redirects."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.common import new_id, utcnow
from hub.domain.events import Event
from hub.domain.identities import Identity
from hub.domain.parties import Person, Role
from hub.errors import InvalidInput, NotFound
from hub.ports import Store
from hub.services.persons import PROFILE_FIELDS, PersonService
from hub.services.timeline import TimelineService


def combined(survivor: Person, duplicate: Person) -> Person:
    """The survivor's profile with the duplicate's filling its gaps; addresses and tags united;
    per channel, the most recent consent decision wins (it is the one the person last gave)."""
    update: dict[str, object] = {}
    for name in PROFILE_FIELDS:
        if getattr(survivor, name) in (None, "", [], {}) and getattr(duplicate, name):
            update[name] = getattr(duplicate, name)
    update["emails"] = survivor.emails + [e for e in duplicate.emails if e not in survivor.emails]
    update["phones"] = survivor.phones + [p for p in duplicate.phones if p not in survivor.phones]
    update["tags"] = survivor.tags + [t for t in duplicate.tags if t not in survivor.tags]
    update["attributes"] = {**duplicate.attributes, **survivor.attributes}
    consent = dict(survivor.consent)
    for channel, state in duplicate.consent.items():
        mine = consent.get(channel)
        if mine is None or (state.at and (mine.at is None or state.at > mine.at)):
            consent[channel] = state
    update["consent"] = consent
    seen = dict(duplicate.last_inbound_on)
    for key, at in survivor.last_inbound_on.items():
        seen[key] = max(at, seen.get(key, at))
    update["last_inbound_on"] = seen
    update["updated_at"] = utcnow()
    return survivor.model_copy(update=update)


@dataclass(frozen=True, slots=True)
class MergePreview:
    """What a merge would move from `duplicate` into `survivor`."""

    survivor: Person
    duplicate: Person
    identities: list[Identity]
    roles: list[Role]
    events: int


class MergeService:
    def __init__(self, store: Store, persons: PersonService, timeline: TimelineService) -> None:
        self._store = store
        self._persons = persons
        self._timeline = timeline

    async def preview(self, survivor_id: str, duplicate_id: str) -> MergePreview:
        """Both persons and what would move; InvalidInput (for the form that names the
        duplicate) when it is blank, unknown or the survivor itself."""
        survivor = await self._persons.get(survivor_id)
        if not duplicate_id:
            raise InvalidInput("give the id of the duplicate person",
                               details={"field": "duplicate_id"})
        try:
            duplicate = await self._persons.get(duplicate_id)
        except NotFound as exc:
            raise InvalidInput(f"there is no person {duplicate_id}",
                               details={"field": "duplicate_id"}) from exc
        if duplicate.id == survivor.id:
            raise InvalidInput("a person cannot be merged into itself",
                               details={"field": "duplicate_id"})
        return MergePreview(
            survivor=survivor, duplicate=duplicate,
            identities=await self._store.identities.for_person(duplicate.id),
            roles=await self._store.roles.for_person(duplicate.id),
            events=await self._store.events.count_for_person(duplicate.id))

    async def merge(self, survivor_id: str, duplicate_id: str) -> Person:
        """Fold `duplicate_id` into `survivor_id`. Re-running after a crash completes the move."""
        if survivor_id == duplicate_id:
            raise InvalidInput("a person cannot be merged into itself",
                               details={"field": "duplicate_id"})
        survivor = await self._persons.get(survivor_id)
        duplicate = await self._persons.get(duplicate_id)
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
            data={"merge": {"duplicate_id": duplicate.id, "events_moved": moved}},
        ))
        return merged

"""Erasure: personal data goes everywhere; anonymised counts and a keyed-hash suppression stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.common import utcnow
from hub.domain.identities import Suppression
from hub.domain.parties import Person
from hub.ports import Store
from hub.services.identities import IdentityService
from hub.services.persons import PersonService


@dataclass(frozen=True, slots=True)
class ErasureReport:
    person_id: str
    erased_at: datetime
    addresses_suppressed: int
    roles_removed: int
    events_erased: int


class ErasureService:
    def __init__(self, store: Store, persons: PersonService, identities: IdentityService) -> None:
        self._store = store
        self._persons = persons
        self._identities = identities

    async def erase(self, person_id: str) -> ErasureReport:
        """Idempotent in effect: each step can run again after a crash without harm."""
        person = await self._persons.get(person_id)
        removed = await self._store.identities.delete_for_person(person.id)
        addresses = {(i.kind, i.value) for i in removed}
        addresses |= {("email", e) for e in person.emails} | {("phone", p) for p in person.phones}
        for kind, value in addresses:
            await self._store.suppressions.add(
                Suppression(hash=self._identities.suppression_hash(kind, value), kind=kind))
        roles = await self._store.roles.for_person(person.id)
        for role in roles:
            await self._store.roles.delete(role.id)
        events = await self._store.events.erase_person(person.id)
        erased_at = utcnow()
        await self._store.persons.replace(Person(
            id=person.id, customer_status=person.customer_status, created_at=person.created_at,
            updated_at=erased_at, erased_at=erased_at,
        ))
        return ErasureReport(person_id=person.id, erased_at=erased_at,
                             addresses_suppressed=len(addresses), roles_removed=len(roles),
                             events_erased=events)

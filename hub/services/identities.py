"""Identity resolution: every address belongs to at most one person (or one of their roles)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from hub.domain.common import new_id
from hub.domain.consent import ConsentChannel, consent_change
from hub.domain.identities import AddressKind, Identity, guess_kind, normalise
from hub.domain.parties import Person
from hub.errors import AddressTaken, DuplicateKey, NotFound
from hub.i18n import N_
from hub.ports import Store

CLAIM_ATTEMPTS = 3
CONSENT_CHANNEL_OF: dict[AddressKind, ConsentChannel] = {"email": "email", "phone": "sms"}


@dataclass(frozen=True, slots=True)
class Resolution:
    person: Person
    role_id: str | None
    created: bool


class IdentityService:
    def __init__(self, store: Store, *, default_region: str, secret_key: str) -> None:
        self._store = store
        self._region = default_region
        self._key = secret_key.encode()

    def normalise(self, kind: AddressKind, raw: str) -> str:
        return normalise(kind, raw, self._region)

    def suppression_hash(self, kind: AddressKind, value: str) -> str:
        """Keyed hash of a normalised address: recognisable again, not reversible."""
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    async def is_suppressed(self, kind: AddressKind, value: str) -> bool:
        return await self._store.suppressions.contains(self.suppression_hash(kind, value))

    async def apply_suppressions(
        self, person: Person, addresses: list[tuple[AddressKind, str]]
    ) -> None:
        """An address erased on request comes back opted out (in memory, before insert)."""
        for kind, value in addresses:
            if await self.is_suppressed(kind, value):
                person.consent[CONSENT_CHANNEL_OF[kind]] = consent_change("opted_out",
                                                                         "suppression")

    async def claim(
        self, person_id: str, kind: AddressKind, value: str, role_id: str | None = None
    ) -> Identity:
        """Give a normalised address to a person; the database's unique key decides races."""
        identity = Identity(kind=kind, value=value, person_id=person_id, role_id=role_id)
        for _ in range(CLAIM_ATTEMPTS):
            try:
                await self._store.identities.insert(identity)
                return identity
            except DuplicateKey:
                existing = await self._store.identities.get(kind, value)
            if existing is None:
                continue  # released between our insert and read: try again
            if existing.person_id == person_id:
                return existing
            raise AddressTaken(kind, value, existing.person_id)
        raise AddressTaken(kind, value, "unknown")

    async def claim_all(
        self, person_id: str, addresses: list[tuple[AddressKind, str]], role_id: str | None = None
    ) -> None:
        """Claim every address or none: on a conflict, release what this call newly claimed."""
        claimed: list[tuple[AddressKind, str]] = []
        try:
            for kind, value in addresses:
                before = await self._store.identities.get(kind, value)
                await self.claim(person_id, kind, value, role_id)
                if before is None:
                    claimed.append((kind, value))
        except AddressTaken:
            for kind, value in claimed:
                await self._store.identities.delete(kind, value)
            raise

    async def owner(self, kind: AddressKind, value: str) -> Identity | None:
        return await self._store.identities.get(kind, value)

    async def resolve_or_create(
        self, raw_address: str, *, kind: AddressKind | None = None, name: str = ""
    ) -> Resolution:
        """Known address → its person (and role); unknown → a new `prospect` person.

        Used by every inbound channel. Concurrent calls for one new address yield one person.
        """
        kind = kind or guess_kind(raw_address)
        value = self.normalise(kind, raw_address)
        known = await self._resolve(kind, value)
        if known:
            return known
        person = Person(id=new_id(), name=name[:200], customer_status="prospect")
        (person.emails if kind == "email" else person.phones).append(value)
        await self.apply_suppressions(person, [(kind, value)])
        await self._store.persons.insert(person)
        try:
            identity = await self.claim(person.id, kind, value)
        except AddressTaken:
            await self._store.persons.delete(person.id)
            winner = await self._resolve(kind, value)
            if winner is None:
                raise
            return winner
        return Resolution(person=person, role_id=identity.role_id, created=True)

    async def _resolve(self, kind: AddressKind, value: str) -> Resolution | None:
        identity = await self._store.identities.get(kind, value)
        if identity is None:
            return None
        person = await self._store.persons.get(identity.person_id)
        if person is None:
            raise NotFound(N_("identity %(kind)s:%(value)s points at a missing person"),
                           params={"kind": kind, "value": value})
        return Resolution(person=person, role_id=identity.role_id, created=False)

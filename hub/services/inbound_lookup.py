"""The first reads of recording an inbound message: is it stored already, and whose address
sent it. SQLite answers both in one hop (`hub.store.sqlite_inbound`); other stores with one
repository call each."""

from __future__ import annotations

from typing import Protocol

from hub.domain.events import Event, EventChannel
from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Person
from hub.ports import Store


class InboundLookup(Protocol):
    async def find(self, channel: EventChannel, external_id: str, kind: AddressKind,
                   address: str) -> tuple[Event | None, Identity | None, Person | None]: ...


async def look_up_inbound(store: Store, channel: EventChannel, external_id: str,
                          kind: AddressKind, address: str
                          ) -> tuple[Event | None, Identity | None, Person | None]:
    """(the stored event, None, None) when the message is known; else (None, the normalised
    address's identity or None, the identity's person or None)."""
    together: InboundLookup | None = getattr(store, "inbound_lookup", None)
    if together is not None:
        return await together.find(channel, external_id, kind, address)
    known = await store.events.find_by_external(channel, external_id)
    if known is not None:
        return known, None, None
    identity = await store.identities.get(kind, address)
    person = await store.persons.get(identity.person_id) if identity is not None else None
    return None, identity, person

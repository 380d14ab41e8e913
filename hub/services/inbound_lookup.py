"""The first reads of recording an inbound message: is it stored already, whose address sent
it, and (for an SMS reply) the last message sent to them. SQLite answers all in one hop
(`hub.store.sqlite_inbound`); other stores with one repository call each."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hub.domain.events import Event, EventChannel
from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Person
from hub.ports import Store

Found = tuple[Event | None, Identity | None, Person | None, Event | None]


class InboundLookup(Protocol):
    async def find(self, channel: EventChannel, external_id: str, kind: AddressKind,
                   address: str, *, last_sent_since: datetime | None = None) -> Found: ...


async def look_up_inbound(store: Store, channel: EventChannel, external_id: str,
                          kind: AddressKind, address: str, *,
                          last_sent_since: datetime | None = None) -> Found:
    """(the stored event, None, None, None) when the message is known; else (None, the
    normalised address's identity or None, the identity's person or None, the newest event
    sent to that person on `channel` since `last_sent_since` when given, else None)."""
    together: InboundLookup | None = getattr(store, "inbound_lookup", None)
    if together is not None:
        return await together.find(channel, external_id, kind, address,
                                   last_sent_since=last_sent_since)
    known = await store.events.find_by_external(channel, external_id)
    if known is not None:
        return known, None, None, None
    identity = await store.identities.get(kind, address)
    person = await store.persons.get(identity.person_id) if identity is not None else None
    sent = await store.events.latest_outbound(person.id, channel, since=last_sent_since) \
        if person is not None and last_sent_since is not None else None
    return None, identity, person, sent

"""What recording an inbound message reads first, in one hop to SQLite's thread: whether the
message is stored already (channel + external id), and who owns the sender's address, with
that person (`hub.services.inbound_lookup` falls back to one repository call each elsewhere).
"""

from __future__ import annotations

import sqlite3

from hub.domain.events import Event, EventChannel
from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Person
from hub.store.sqlite_db import Database

KNOWN_SQL = "SELECT doc FROM events WHERE channel = ? AND external_id = ? LIMIT 1"
OWNER_SQL = ("SELECT i.doc, p.doc FROM identities AS i LEFT JOIN persons AS p "
             "ON p.id = i.person_id WHERE i.kind = ? AND i.value = ?")

Found = tuple[Event | None, Identity | None, Person | None]


class SqliteInboundLookup:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def find(self, channel: EventChannel, external_id: str, kind: AddressKind,
                   address: str) -> Found:
        """(the stored event, None, None) when the message is known; else (None, the
        address's identity or None, its person or None)."""

        def work(conn: sqlite3.Connection) -> tuple[str | None, str | None, str | None]:
            known = conn.execute(KNOWN_SQL, (channel, external_id)).fetchone()
            if known is not None:
                return str(known[0]), None, None
            owner = conn.execute(OWNER_SQL, (kind, address)).fetchone()
            return (None, *owner) if owner is not None else (None, None, None)

        event, identity, person = await self._db.reading(work)
        return (Event.model_validate_json(event) if event is not None else None,
                Identity.model_validate_json(identity) if identity is not None else None,
                Person.model_validate_json(person) if person is not None else None)

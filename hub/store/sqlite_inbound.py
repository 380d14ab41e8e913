"""What recording an inbound message reads first, in one work on SQLite's thread: whether the
message is stored already (channel + external id), who owns the sender's address, with that
person, and (when asked) the last message sent to them on the channel, which an SMS reply
answers (`hub.services.inbound_lookup` falls back to one repository call each elsewhere).
The work goes with the other single works queued meanwhile (`Database.one_by_one`): under
load, many webhooks' look-ups and writes share one hand-over to that thread."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from hub.domain.common import iso
from hub.domain.events import Event, EventChannel
from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Person
from hub.store.sqlite_db import Database
from hub.store.sqlite_events import LATEST_OUTBOUND_SQL

KNOWN_SQL = "SELECT doc FROM events WHERE channel = ? AND external_id = ? LIMIT 1"
OWNER_SQL = ("SELECT i.doc, p.doc, p.id FROM identities AS i LEFT JOIN persons AS p "
             "ON p.id = i.person_id WHERE i.kind = ? AND i.value = ?")

Found = tuple[Event | None, Identity | None, Person | None, Event | None]


class SqliteInboundLookup:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def find(self, channel: EventChannel, external_id: str, kind: AddressKind,
                   address: str, *, last_sent_since: datetime | None = None) -> Found:
        """(the stored event, None, None, None) when the message is known; else (None, the
        address's identity or None, its person or None, the newest outbound event on
        `channel` to that person since `last_sent_since`, when given, or None)."""
        since = iso(last_sent_since) if last_sent_since is not None else None

        def work(conn: sqlite3.Connection) -> tuple[str | None, ...]:
            known = conn.execute(KNOWN_SQL, (channel, external_id)).fetchone()
            if known is not None:
                return str(known[0]), None, None, None
            owner = conn.execute(OWNER_SQL, (kind, address)).fetchone()
            if owner is None:
                return None, None, None, None
            sent = conn.execute(LATEST_OUTBOUND_SQL, (owner[2], channel, since)).fetchone() \
                if since is not None and owner[2] is not None else None
            return None, owner[0], owner[1], sent[0] if sent else None

        event, identity, person, sent = await self._db.one_by_one(work)
        return (Event.model_validate_json(event) if event is not None else None,
                Identity.model_validate_json(identity) if identity is not None else None,
                Person.model_validate_json(person) if person is not None else None,
                Event.model_validate_json(sent) if sent is not None else None)

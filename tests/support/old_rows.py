"""Rows written the way an older release wrote them: straight into the tables of a file
migrated only part of the way, so that an upgrade test can check what a later migration
fills in for them."""

from __future__ import annotations

from hub.domain.common import iso
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.store.sqlite_base import dump
from hub.store.sqlite_db import Database


async def insert_old_event(db: Database, event: Event) -> None:
    await db.run(
        "INSERT INTO events (id, person_id, organisation_id, channel, occurred_at, "
        "external_id, direction, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event.id, event.person_id, event.organisation_id, event.channel,
         iso(event.occurred_at), event.external_id, event.direction, dump(event)))


async def insert_old_person(db: Database, person: Person) -> None:
    await db.run(
        "INSERT INTO persons (id, name_lower, household_id, active, doc) VALUES (?, ?, ?, ?, ?)",
        (person.id, person.name.lower(), person.household_id, int(person.is_active),
         dump(person)))

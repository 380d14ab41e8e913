"""What staff look people up by, composed from the repositories in one place: the search box
(name, email, phone in any format, organisation name, postcode), a person with their household,
roles and last contact, household members and the inbox (persons waiting for an answer)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.domain.events import Event
from hub.domain.parties import Household, Organisation, Person, Role
from hub.errors import HubError
from hub.ports import AwaitingReply, Store
from hub.services.persons import PersonService
from hub.services.timeline import TimelineService

PHONE_LIKE = re.compile(r"^[\d\s\-+().]{6,30}$")
SEARCH_LIMIT = 25
MAX_QUERY = 200


@dataclass(slots=True)
class PersonRow:
    person: Person
    household: Household | None = None
    roles: list[tuple[Role, Organisation | None]] = field(default_factory=list)
    last_contact: Event | None = None


@dataclass(slots=True)
class InboxRow:
    person: Person
    waiting: AwaitingReply
    last: Event | None


class SearchService:
    def __init__(self, store: Store, persons: PersonService, timeline: TimelineService) -> None:
        self._store = store
        self._persons = persons
        self._timeline = timeline

    async def _by_address(self, q: str) -> list[Person]:
        found: list[Person] = []
        attempts: list[dict[str, str]] = []
        if "@" in q:
            attempts.append({"email": q})
        if PHONE_LIKE.match(q) and sum(c.isdigit() for c in q) >= 6:
            attempts.append({"phone": q})
        for attempt in attempts:
            try:
                page = await self._persons.find(limit=1, **attempt)
            except HubError:
                continue  # not a valid address after all: the name search still runs
            found += page.items
        return found

    async def search(self, q: str) -> list[PersonRow]:
        """One box: name, email, phone in any format, organisation name, postcode. Active
        persons only, each once, at most SEARCH_LIMIT."""
        q = q.strip()[:MAX_QUERY]
        if not q:
            return []
        store = self._store
        persons = await self._by_address(q)
        persons += (await self._persons.find(q=q, limit=SEARCH_LIMIT)).items
        organisations = await store.organisations.find(name_contains=q, limit=10)
        if any(c.isdigit() for c in q) and len(q) <= 12:
            for household in await store.households.with_postcode(q, limit=10):
                persons += await store.persons.in_household(household.id)
            organisations += await store.organisations.with_postcode(q, limit=10)
        for organisation in organisations:
            roles = await store.roles.for_organisation(organisation.id, limit=SEARCH_LIMIT)
            persons += await store.persons.get_many([r.person_id for r in roles])
        unique: dict[str, Person] = {}
        for person in persons:
            if person.is_active:
                unique.setdefault(person.id, person)
        return [await self.person_row(p) for p in list(unique.values())[:SEARCH_LIMIT]]

    async def person_row(self, person: Person) -> PersonRow:
        row = PersonRow(person=person)
        if person.household_id:
            row.household = await self._store.households.get(person.household_id)
        row.roles = await self.roles_with_organisations(person.id)
        page = await self._timeline.page("person", person.id, limit=1)
        row.last_contact = page.items[0] if page.items else None
        return row

    async def roles_with_organisations(
        self, person_id: str
    ) -> list[tuple[Role, Organisation | None]]:
        roles = await self._store.roles.for_person(person_id)
        return [(r, await self._store.organisations.get(r.organisation_id)) for r in roles]

    async def persons_by_id(self, person_ids: Sequence[str | None]) -> dict[str, Person]:
        """The persons named (blanks and repeats skipped), by id: for lists that show names."""
        wanted = list(dict.fromkeys(i for i in person_ids if i))
        return {p.id: p for p in await self._store.persons.get_many(wanted)} if wanted else {}

    async def inbox(self, *, limit: int = 100) -> list[InboxRow]:
        """Persons waiting for an answer, longest wait first, each with their last message."""
        waiting = await self._store.events.awaiting_reply(limit=limit)
        persons = await self.persons_by_id([w.person_id for w in waiting])
        rows: list[InboxRow] = []
        for item in waiting:
            person = persons.get(item.person_id)
            if person is None or not person.is_active:
                continue
            page = await self._timeline.page("person", person.id, limit=5)
            last = next((e for e in page.items if e.direction == "inbound"), None)
            rows.append(InboxRow(person=person, waiting=item, last=last))
        return rows

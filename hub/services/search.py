"""What staff look people up by, composed from the repositories in one place: the search box
(name, email, phone in any format, organisation name, postcode), a person with their household,
roles and last contact, household members and the inbox (persons waiting for an answer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.domain.events import Event
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.search import PARTY_KINDS, PartyKind
from hub.ports import AwaitingReply, Store
from hub.services.paging import Page
from hub.services.party_search import PartySearch, SearchHit
from hub.services.persons import PersonService
from hub.services.timeline import TimelineService

SEARCH_LIMIT = 25


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
    def __init__(self, store: Store, persons: PersonService, timeline: TimelineService,
                 *, region: str = "NL") -> None:
        self._store = store
        self._persons = persons
        self._timeline = timeline
        self._parties = PartySearch(store, region=region)

    async def find(self, q: str, *, limit: int, cursor: str | None = None,
                   kinds: Sequence[PartyKind] = PARTY_KINDS) -> Page[SearchHit]:
        """The search box (API and page alike): typed results, keyset-paged; see
        `hub.services.party_search` for what a query matches."""
        return await self._parties.find(q, limit=limit, cursor=cursor, kinds=kinds)

    async def last_contacts(self, person_ids: Sequence[str]) -> dict[str, Event]:
        """Each person's newest event (for result lists), one index probe per person."""
        found: dict[str, Event] = {}
        for person_id in dict.fromkeys(person_ids):
            page = await self._timeline.page("person", person_id, limit=1)
            if page.items:
                found[person_id] = page.items[0]
        return found

    async def search(self, q: str) -> list[PersonRow]:
        """Persons only, the first SEARCH_LIMIT the search box finds, each as a row (the
        template preview's person picker)."""
        page = await self.find(q, limit=SEARCH_LIMIT, kinds=("person",))
        return [await self.person_row(hit.person) for hit in page.items if hit.person]

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

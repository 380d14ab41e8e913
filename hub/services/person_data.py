"""What Hub holds about one person, on request: the proof of consent (the Dutch Code
Telemarketing asks for it within five working days) and the data access export (GDPR
articles 15 and 20). Both read the store; neither changes anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hub.domain.address_consent import materialise
from hub.domain.common import utcnow
from hub.domain.events import Event, EventChannel, TimelineCursor, TimelineQuery
from hub.ports import Store
from hub.services.persons import PersonService

PAGE = 500


def _change(event: Event) -> dict[str, Any]:
    """One consent change as proof; a topic change (preference centre) has channel `topic`."""
    base = {"event_id": event.id, "at": event.occurred_at.isoformat(),
            "campaign_id": event.campaign_id}
    if isinstance(event.data.get("consent"), dict):
        return {**base, **event.data["consent"]}
    return {**base, "channel": "topic", "address": None, "text": None, "confirmation": None,
            **event.data["topic_consent"]}


class PersonDataService:
    def __init__(self, store: Store, persons: PersonService) -> None:
        self._store = store
        self._persons = persons

    async def _events(self, person_id: str,
                      channel: EventChannel | None = None) -> AsyncIterator[Event]:
        """Every event on the person's timeline, newest first, a page at a time."""
        query = TimelineQuery(person_ids=[person_id], channel=channel)
        before: TimelineCursor | None = None
        while True:
            page = await self._store.events.timeline(query, limit=PAGE, before=before)
            for event in page:
                yield event
            if len(page) < PAGE:
                return
            before = TimelineCursor(occurred_at=page[-1].occurred_at, id=page[-1].id)

    async def consent_proof(self, person_id: str) -> dict[str, Any]:
        """The consent in force per channel, and every change that led to it, newest first:
        source, exact text, address, client, time, and how it was confirmed."""
        person = await self._persons.get(person_id)
        changes = [_change(event) async for event in self._events(person.id, "system")
                   if isinstance(event.data.get("consent"), dict)
                   or isinstance(event.data.get("topic_consent"), dict)]
        return {"person_id": person.id, "name": person.name,
                "generated_at": utcnow().isoformat(),
                "current": {channel: state.to_json() for channel, state in
                            sorted(person.consent.items())},
                "per_address": {channel: [state.to_json() for state in states]
                                for channel, states in sorted(materialise(person).items())},
                "changes": changes}

    async def export(self, person_id: str) -> dict[str, Any]:
        """Everything about the person as JSON: profile, addresses, household, roles and
        their organisations, consent proof, every event with its body (messages, calls,
        notes, forms, survey answers, attachments listed), and their transactions."""
        person = await self._persons.get(person_id)
        household = (await self._store.households.get(person.household_id)
                     if person.household_id else None)
        roles = await self._store.roles.for_person(person.id)
        organisations = [await self._store.organisations.get(r.organisation_id) for r in roles]
        transactions: list[dict[str, Any]] = []
        after: str | None = None
        while page := await self._store.transactions.for_person(person.id, limit=PAGE,
                                                                after_id=after):
            transactions += [t.to_json() for t in page]
            after = page[-1].id
        return {
            "generated_at": utcnow().isoformat(),
            "person": person.to_json(),
            "identities": [i.to_json() for i in await self._store.identities.for_person(
                person.id)],
            "household": household.to_json() if household else None,
            "roles": [r.to_json() for r in roles],
            "organisations": [o.to_json() for o in organisations if o is not None],
            "consent": await self.consent_proof(person.id),
            "events": [event.to_json() async for event in self._events(person.id)],
            "transactions": transactions,
        }

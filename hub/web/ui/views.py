"""What staff pages show, assembled from the services: search results, the person page's
profile and reply options, the inbox. No aiohttp here; handlers stay thin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.events import Event, EventChannel
from hub.domain.parties import Household, Organisation, Person, Role
from hub.errors import HubError
from hub.ports import AwaitingReply
from hub.services import Services
from hub.services.outbound import why_not

PHONE_LIKE = re.compile(r"^[\d\s\-+().]{6,30}$")
TIMELINE_PAGE = 30
SEARCH_LIMIT = 25
CHANNEL_LABELS = {"email": "Email", "sms": "SMS", "call": "Call", "webform": "Web form",
                  "survey": "Survey", "note": "Note", "system": "System"}


@dataclass(slots=True)
class PersonRow:
    person: Person
    household: Household | None = None
    roles: list[tuple[Role, Organisation | None]] = field(default_factory=list)
    last_contact: Event | None = None


@dataclass(frozen=True, slots=True)
class ChannelOption:
    channel: str
    label: str
    address: str | None
    refusal: str | None
    selected: bool


@dataclass(slots=True)
class InboxRow:
    person: Person
    waiting: AwaitingReply
    last: Event | None


async def _persons_by_address(services: Services, q: str) -> list[Person]:
    found: list[Person] = []
    attempts: list[dict[str, str]] = []
    if "@" in q:
        attempts.append({"email": q})
    if PHONE_LIKE.match(q) and sum(c.isdigit() for c in q) >= 6:
        attempts.append({"phone": q})
    for attempt in attempts:
        try:
            page = await services.persons.find(limit=1, **attempt)
        except HubError:
            continue  # not a valid address after all: the name search still runs
        found += page.items
    return found


async def search(services: Services, q: str) -> list[PersonRow]:
    """Name, email, phone in any format, organisation name, postcode: one box."""
    q = q.strip()[:200]
    if not q:
        return []
    store = services.store
    persons = await _persons_by_address(services, q)
    persons += (await services.persons.find(q=q, limit=SEARCH_LIMIT)).items
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
    return [await person_row(services, p) for p in list(unique.values())[:SEARCH_LIMIT]]


async def person_row(services: Services, person: Person) -> PersonRow:
    store = services.store
    row = PersonRow(person=person)
    if person.household_id:
        row.household = await store.households.get(person.household_id)
    row.roles = await roles_with_organisations(services, person.id)
    page = await services.timeline.page("person", person.id, limit=1)
    row.last_contact = page.items[0] if page.items else None
    return row


async def roles_with_organisations(
    services: Services, person_id: str
) -> list[tuple[Role, Organisation | None]]:
    roles = await services.store.roles.for_person(person_id)
    return [(r, await services.store.organisations.get(r.organisation_id)) for r in roles]


def reply_options(person: Person, recent: list[Event]) -> list[ChannelOption]:
    """Email and SMS, each with its address or the reason it cannot be used; the default is
    the channel the person last wrote on, else their preferred one, else the first usable."""
    last_inbound = next((e.channel for e in recent
                         if e.direction == "inbound" and e.channel in SENDABLE_CHANNELS), None)
    refusals = {c: why_not(person, c, "service") for c in SENDABLE_CHANNELS}
    usable = [c for c in SENDABLE_CHANNELS if refusals[c] is None]
    preference = [last_inbound, person.preferred_channel, *usable]
    default = next((c for c in preference if c in usable), None)
    return [ChannelOption(
        channel=c, label=CHANNEL_LABELS[c], address=person.address_on(c),
        refusal=refusals[c], selected=c == default) for c in SENDABLE_CHANNELS]


def channel_filter(raw: str | None) -> EventChannel | None:
    for channel in CHANNEL_LABELS:
        if raw == channel:
            return channel  # type: ignore[return-value]
    return None


async def inbox(services: Services, *, limit: int = 100) -> list[InboxRow]:
    waiting = await services.store.events.awaiting_reply(limit=limit)
    persons = {p.id: p for p in await services.store.persons.get_many(
        [w.person_id for w in waiting])}
    rows: list[InboxRow] = []
    for item in waiting:
        person = persons.get(item.person_id)
        if person is None or not person.is_active:
            continue
        page = await services.timeline.page("person", person.id, limit=5)
        last = next((e for e in page.items if e.direction == "inbound"), None)
        rows.append(InboxRow(person=person, waiting=item, last=last))
    return rows


def person_summary(person: Person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name or "(no name)"}

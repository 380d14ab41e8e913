"""Persons: create, read (following merge redirects), update, consent, and find."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel, ConsentStatus
from hub.domain.events import Event
from hub.domain.identities import AddressKind
from hub.domain.parties import (
    AttributeValue,
    CustomerStatus,
    Gender,
    Person,
    PreferredChannel,
)
from hub.errors import AddressTaken, Gone, InvalidInput, Moved, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.consent import apply_consent
from hub.services.identities import IdentityService
from hub.services.paging import Page, check_limit, decode_after_id, page_by_id
from hub.services.timeline import TimelineService

MAX_REDIRECTS = 16
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
AttributeKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
RawAddress = Annotated[str, StringConstraints(max_length=320)]


class ConsentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ConsentStatus
    text: str | None = Field(default=None, max_length=5000)


class PersonInput(BaseModel):
    """A person as a client sends it. On update only the fields present are applied."""

    model_config = ConfigDict(extra="forbid")

    name: Name = ""
    emails: list[RawAddress] = Field(default_factory=list, max_length=20)
    phones: list[RawAddress] = Field(default_factory=list, max_length=20)
    household_id: str | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    income_band: Label | None = None
    education: Label | None = None
    life_stage: Label | None = None
    language: Language | None = None
    preferred_channel: PreferredChannel | None = None
    customer_status: CustomerStatus = "prospect"
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=100)
    consent: dict[ConsentChannel, ConsentStatus | ConsentInput] = Field(default_factory=dict)


PROFILE_FIELDS = (
    "name", "household_id", "birth_date", "gender", "income_band", "education", "life_stage",
    "language", "preferred_channel", "customer_status", "tags", "attributes",
)


class PersonService:
    def __init__(
        self, store: Store, identities: IdentityService, timeline: TimelineService
    ) -> None:
        self._store = store
        self._identities = identities
        self._timeline = timeline

    async def get(self, person_id: str) -> Person:
        """An active person; raises Moved for a merged id and NotFound otherwise."""
        person = await self._store.persons.get(person_id)
        if person is None:
            raise NotFound(N_("no person %(person_id)s"),
                           params={"person_id": person_id})
        if person.merged_into:
            raise Moved(person_id, await self.survivor_of(person))
        if person.erased_at:
            raise Gone(N_("person %(person_id)s was erased"),
                       params={"person_id": person_id})
        return person

    async def survivor_of(self, person: Person) -> str:
        current = person
        for _ in range(MAX_REDIRECTS):
            if not current.merged_into:
                return current.id
            nxt = await self._store.persons.get(current.merged_into)
            if nxt is None:
                break
            current = nxt
        raise NotFound(N_("person %(id)s was merged, but its survivor is gone"),
                       params={"id": person.id})

    async def create(self, draft: PersonInput, *, source: str = "api") -> Person:
        addresses = self._normalised_addresses(draft)
        await self._check_household(draft.household_id)
        person = Person(
            id=new_id(),
            emails=[v for k, v in addresses if k == "email"],
            phones=[v for k, v in addresses if k == "phone"],
            **{name: getattr(draft, name) for name in PROFILE_FIELDS},
        )
        await self._identities.apply_suppressions(person, addresses)
        events = self._consent_events(person, draft, source)
        await self._store.persons.insert(person)
        try:
            await self._identities.claim_all(person.id, addresses)
        except AddressTaken:
            await self._store.persons.delete(person.id)
            raise
        for event in events:
            await self._timeline.record(event)
        return person

    async def update(self, person_id: str, patch: PersonInput, *, source: str = "api") -> Person:
        person = await self.get(person_id)
        given = patch.model_fields_set
        if "household_id" in given:
            await self._check_household(patch.household_id)
        updates: dict[str, Any] = {name: getattr(patch, name) for name in PROFILE_FIELDS
                                   if name in given}
        added: list[tuple[AddressKind, str]] = []
        removed: list[tuple[AddressKind, str]] = []
        if "emails" in given or "phones" in given:
            wanted = self._normalised_addresses(patch, only=given)
            current: list[tuple[AddressKind, str]] = [("email", v) for v in person.emails]
            current += [("phone", v) for v in person.phones]
            kinds = {k for k in ("email", "phone") if f"{k}s" in given}
            added = [a for a in wanted if a not in current]
            removed = [a for a in current if a[0] in kinds and a not in wanted]
            for kind in kinds:
                updates[f"{kind}s"] = [v for k, v in wanted if k == kind]
        person = person.model_copy(update=updates)
        person = Person.model_validate(person.to_doc())
        events = self._consent_events(person, patch, source) if "consent" in given else []
        await self._identities.claim_all(person.id, added)
        person.updated_at = utcnow()
        await self._store.persons.replace(person)
        for kind, value in removed:
            owner = await self._store.identities.get(kind, value)
            if owner is not None and owner.person_id == person.id and owner.role_id is None:
                await self._store.identities.delete(kind, value)
        for event in events:
            await self._timeline.record(event)
        return person

    async def find(
        self, *, email: str | None = None, phone: str | None = None, q: str | None = None,
        limit: int = 50, cursor: str | None = None,
    ) -> Page[Person]:
        check_limit(limit)
        if email is not None or phone is not None:
            kind: AddressKind = "email" if email is not None else "phone"
            value = self._identities.normalise(kind, email if email is not None else phone or "")
            identity = await self._identities.owner(kind, value)
            person = await self._store.persons.get(identity.person_id) if identity else None
            return Page(items=[person] if person else [], next_cursor=None)
        rows = await self._store.persons.find(
            name_contains=q.strip() if q else None, limit=limit + 1,
            after_id=decode_after_id(cursor),
        )
        return page_by_id(rows, limit, lambda p: p.id)

    def _normalised_addresses(
        self, draft: PersonInput, only: set[str] | None = None
    ) -> list[tuple[AddressKind, str]]:
        """Every address in `draft`, normalised and de-duplicated; all problems in one error."""
        result: list[tuple[AddressKind, str]] = []
        problems: list[dict[str, str]] = []
        sources: list[tuple[AddressKind, list[str]]] = [
            ("email", draft.emails), ("phone", draft.phones)]
        for kind, raws in sources:
            if only is not None and f"{kind}s" not in only:
                continue
            for raw in raws:
                try:
                    value = self._identities.normalise(kind, raw)
                except InvalidInput as exc:
                    problems.append({"field": f"{kind}s", "value": raw, "error": exc.message})
                    continue
                if (kind, value) not in result:
                    result.append((kind, value))
        if problems:
            raise InvalidInput(problems[0]["error"], details=problems)
        return result

    async def _check_household(self, household_id: str | None) -> None:
        if household_id and await self._store.households.get(household_id) is None:
            raise InvalidInput(N_("no household %(household_id)s"),
                               params={"household_id": household_id},
                               details={"field": "household_id"})

    @staticmethod
    def _consent_events(person: Person, draft: PersonInput, source: str) -> list[Event]:
        events = []
        for channel, given in draft.consent.items():
            status, text = (given, None) if isinstance(given, str) else (given.status, given.text)
            event = apply_consent(person, channel, status, source=source, text=text)
            if event is not None:
                events.append(event)
        return events

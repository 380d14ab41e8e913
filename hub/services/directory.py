"""Households, organisations and roles: the rest of the relationship model."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.domain.common import new_id
from hub.domain.identities import AddressKind
from hub.domain.parties import (
    Address,
    AttributeValue,
    CustomerStatus,
    Household,
    Organisation,
    Person,
    Role,
)
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.identities import IdentityService
from hub.services.paging import Page, check_limit, decode_after_id, page_by_id
from hub.services.persons import AttributeKey, Label, Name, PersonService, RawAddress


class AddressInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: Annotated[str, StringConstraints(max_length=200)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=20)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class HouseholdInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = ""
    address: AddressInput = Field(default_factory=AddressInput)
    customer_status: CustomerStatus = "prospect"
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=100)


class OrganisationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    industry: Label | None = None
    size: Label | None = None
    address: AddressInput = Field(default_factory=AddressInput)
    customer_status: CustomerStatus = "prospect"
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=100)


class RoleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str
    organisation_id: str
    function: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    email: RawAddress | None = None
    phone: RawAddress | None = None


class DirectoryService:
    def __init__(self, store: Store, persons: PersonService, identities: IdentityService) -> None:
        self._store = store
        self._persons = persons
        self._identities = identities

    async def create_household(self, draft: HouseholdInput) -> Household:
        household = Household(id=new_id(), name=draft.name, customer_status=draft.customer_status,
                              address=Address(**draft.address.model_dump()),
                              attributes=draft.attributes)
        await self._store.households.insert(household)
        return household

    async def household(self, household_id: str) -> Household:
        household = await self._store.households.get(household_id)
        if household is None:
            raise NotFound(N_("no household %(household_id)s"),
                           params={"household_id": household_id})
        return household

    async def members(self, household_id: str) -> list[Person]:
        """The persons of a household (by their `household_id`)."""
        return await self._store.persons.in_household(household_id)

    async def list_households(
        self, *, q: str | None, limit: int, cursor: str | None
    ) -> Page[Household]:
        check_limit(limit)
        rows = await self._store.households.find(
            name_contains=q or None, limit=limit + 1, after_id=decode_after_id(cursor))
        return page_by_id(rows, limit, lambda r: r.id)

    async def create_organisation(self, draft: OrganisationInput) -> Organisation:
        organisation = Organisation(
            id=new_id(), name=draft.name, industry=draft.industry, size=draft.size,
            address=Address(**draft.address.model_dump()),
            customer_status=draft.customer_status, attributes=draft.attributes)
        await self._store.organisations.insert(organisation)
        return organisation

    async def organisation(self, organisation_id: str) -> Organisation:
        organisation = await self._store.organisations.get(organisation_id)
        if organisation is None:
            raise NotFound(N_("no organisation %(organisation_id)s"),
                           params={"organisation_id": organisation_id})
        return organisation

    async def list_organisations(
        self, *, q: str | None, limit: int, cursor: str | None
    ) -> Page[Organisation]:
        check_limit(limit)
        rows = await self._store.organisations.find(
            name_contains=q or None, limit=limit + 1, after_id=decode_after_id(cursor))
        return page_by_id(rows, limit, lambda r: r.id)

    async def create_role(self, draft: RoleInput) -> Role:
        """A role with its business address(es), which identify the person in that role."""
        person = await self._persons.get(draft.person_id)
        if await self._store.organisations.get(draft.organisation_id) is None:
            raise InvalidInput(N_("no organisation %(organisation_id)s"),
                               params={"organisation_id": draft.organisation_id},
                               details={"field": "organisation_id"})
        email = self._identities.normalise("email", draft.email) if draft.email else None
        phone = self._identities.normalise("phone", draft.phone) if draft.phone else None
        role = Role(id=new_id(), person_id=person.id, organisation_id=draft.organisation_id,
                    function=draft.function, email=email, phone=phone)
        addresses: list[tuple[AddressKind, str]] = [("email", email)] if email else []
        addresses += [("phone", phone)] if phone else []
        await self._identities.claim_all(person.id, addresses, role_id=role.id)
        await self._store.roles.insert(role)
        return role

    async def roles_of_person(self, person_id: str) -> list[Role]:
        return await self._store.roles.for_person(person_id)

    async def roles_at(self, organisation_id: str, *, limit: int, cursor: str | None) -> Page[Role]:
        check_limit(limit)
        rows = await self._store.roles.for_organisation(
            organisation_id, limit=limit + 1, after_id=decode_after_id(cursor))
        return page_by_id(rows, limit, lambda r: r.id)

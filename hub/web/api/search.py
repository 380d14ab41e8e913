"""`GET /api/v1/search`: the staff search box as JSON (the `/search` page reads the same
service): persons, organisations and households, typed, each with a short summary."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.parties import CustomerStatus
from hub.domain.search import PartyKind
from hub.domain.staff import SERVICE
from hub.services.paging import MAX_LIMIT
from hub.services.party_search import MAX_QUERY, SearchHit
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import SERVICES

routes = ApiRoutes()
SEARCH_PAGE = 25


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1, max_length=MAX_QUERY)
    limit: int = Field(default=SEARCH_PAGE, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class PartyRef(BaseModel):
    id: str
    name: str


class RoleSummary(BaseModel):
    role_id: str
    function: str
    organisation: PartyRef | None


class PersonSummary(BaseModel):
    id: str
    name: str
    emails: list[str]
    phones: list[str]
    customer_status: CustomerStatus
    household: PartyRef | None
    roles: list[RoleSummary]


class MemberSummary(BaseModel):
    id: str
    name: str
    function: str | None = Field(description="the person's role there (organisations)")


class PlaceSummary(BaseModel):
    id: str
    name: str
    customer_status: CustomerStatus
    postcode: str | None
    city: str | None
    people: list[MemberSummary] = Field(description="the first few members or role holders")


class SearchResult(BaseModel):
    type: PartyKind
    id: str
    name: str
    matched: list[str] = Field(
        description="how the query matched: phone, name, email, postcode, similar_name")
    person: PersonSummary | None = None
    organisation: PlaceSummary | None = None
    household: PlaceSummary | None = None


def _place(hit: SearchHit) -> PlaceSummary | None:
    record = hit.organisation or hit.household
    if record is None:
        return None
    return PlaceSummary(
        id=record.id, name=record.name, customer_status=record.customer_status,
        postcode=record.address.postcode, city=record.address.city,
        people=[MemberSummary(id=p.id, name=p.name, function=r.function if r else None)
                for r, p in hit.people])


def result_of(hit: SearchHit) -> SearchResult:
    result = SearchResult(type=hit.kind, id=hit.id, name=hit.name, matched=hit.matched)
    if hit.person is not None:
        person = hit.person
        result.person = PersonSummary(
            id=person.id, name=person.name, emails=person.emails, phones=person.phones,
            customer_status=person.customer_status,
            household=PartyRef(id=hit.household.id, name=hit.household.name)
            if hit.household else None,
            roles=[RoleSummary(role_id=r.id, function=r.function,
                               organisation=PartyRef(id=o.id, name=o.name) if o else None)
                   for r, o in hit.roles])
    elif hit.kind == "organisation":
        result.organisation = _place(hit)
    else:
        result.household = _place(hit)
    return result


@routes.route("GET", "/search", roles=SERVICE, query=SearchParams,
              answer=Answer("a page of results: persons, then organisations, then households",
                            SearchResult, paged=True),
              summary="Search as staff type: the last digits of a phone number, any part of "
                      "an email address, a name (one typo allowed), an organisation, a postcode")
async def search(request: web.Request, query: SearchParams) -> Any:
    page = await request.app[SERVICES].search.find(
        query.q, limit=query.limit, cursor=query.cursor)
    return {"items": [result_of(hit).model_dump(mode="json") for hit in page.items],
            "next_cursor": page.next_cursor}

"""Households, organisations and roles."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.parties import Household, Organisation, Role
from hub.domain.staff import SERVICE
from hub.services.directory import HouseholdInput, OrganisationInput, RoleInput
from hub.web.api.queries import PageQuery, SearchQuery
from hub.web.api.routing import Answer, ApiRoutes, page_json
from hub.web.keys import SERVICES

routes = ApiRoutes()


@routes.route("POST", "/households", roles=SERVICE, body=HouseholdInput, status=201,
              answer=Answer("the household", Household), summary="Create a household")
async def create_household(request: web.Request, body: HouseholdInput) -> Any:
    return (await request.app[SERVICES].directory.create_household(body)).to_json()


@routes.route("GET", "/households", roles=SERVICE, query=SearchQuery,
              answer=Answer("a page of households", Household, paged=True),
              summary="List households, optionally by name")
async def list_households(request: web.Request, query: SearchQuery) -> Any:
    page = await request.app[SERVICES].directory.list_households(
        q=query.q, limit=query.limit, cursor=query.cursor)
    return page_json(page.items, page.next_cursor)


@routes.route("GET", "/households/{household_id}", roles=SERVICE,
              answer=Answer("the household with its members' ids", Household),
              summary="Read a household")
async def get_household(request: web.Request) -> Any:
    services = request.app[SERVICES]
    household = await services.directory.household(request.match_info["household_id"])
    members = await services.directory.members(household.id)
    return {**household.to_json(), "member_ids": [m.id for m in members]}


@routes.route("POST", "/organisations", roles=SERVICE, body=OrganisationInput, status=201,
              answer=Answer("the organisation", Organisation), summary="Create an organisation")
async def create_organisation(request: web.Request, body: OrganisationInput) -> Any:
    return (await request.app[SERVICES].directory.create_organisation(body)).to_json()


@routes.route("GET", "/organisations", roles=SERVICE, query=SearchQuery,
              answer=Answer("a page of organisations", Organisation, paged=True),
              summary="List organisations, optionally by name")
async def list_organisations(request: web.Request, query: SearchQuery) -> Any:
    page = await request.app[SERVICES].directory.list_organisations(
        q=query.q, limit=query.limit, cursor=query.cursor)
    return page_json(page.items, page.next_cursor)


@routes.route("GET", "/organisations/{organisation_id}", roles=SERVICE,
              answer=Answer("the organisation", Organisation), summary="Read an organisation")
async def get_organisation(request: web.Request) -> Any:
    organisation_id = request.match_info["organisation_id"]
    return (await request.app[SERVICES].directory.organisation(organisation_id)).to_json()


@routes.route("GET", "/organisations/{organisation_id}/roles", roles=SERVICE, query=PageQuery,
              answer=Answer("a page of roles", Role, paged=True),
              summary="The roles persons hold at an organisation")
async def organisation_roles(request: web.Request, query: PageQuery) -> Any:
    directory = request.app[SERVICES].directory
    organisation = await directory.organisation(request.match_info["organisation_id"])
    page = await directory.roles_at(organisation.id, limit=query.limit, cursor=query.cursor)
    return page_json(page.items, page.next_cursor)


@routes.route("POST", "/roles", roles=SERVICE, body=RoleInput, status=201,
              answer=Answer("the role", Role),
              summary="Give a person a role at an organisation, with a business email/phone")
async def create_role(request: web.Request, body: RoleInput) -> Any:
    return (await request.app[SERVICES].directory.create_role(body)).to_json()

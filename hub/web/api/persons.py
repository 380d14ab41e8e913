"""Persons: create, find, read, update, merge, erase, notes."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.events import Event
from hub.domain.parties import Person, Role
from hub.domain.staff import SERVICE
from hub.services.persons import PersonInput
from hub.web.api.queries import SearchQuery
from hub.web.api.routing import Answer, ApiRoutes, page_json
from hub.web.auth import PRINCIPAL
from hub.web.keys import SERVICES

routes = ApiRoutes()
PERSON = Answer("the person", Person)


class PersonSearch(SearchQuery):
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class MergeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_id: str = Field(min_length=1, max_length=100)


class NoteInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000)
    role_id: str | None = None


@routes.route("POST", "/persons", roles=SERVICE, body=PersonInput, status=201, answer=PERSON,
              summary="Create a person; 409 with the owner's id when an address is taken")
async def create_person(request: web.Request, body: PersonInput) -> Any:
    return (await request.app[SERVICES].persons.create(body)).to_json()


@routes.route("GET", "/persons", roles=SERVICE, query=PersonSearch,
              answer=Answer("a page of persons", Person, paged=True),
              summary="Find persons by email, phone (any format) or name")
async def list_persons(request: web.Request, query: PersonSearch) -> Any:
    page = await request.app[SERVICES].persons.find(
        email=query.email, phone=query.phone, q=query.q, limit=query.limit, cursor=query.cursor)
    return page_json(page.items, page.next_cursor)


@routes.route("GET", "/persons/{person_id}", roles=SERVICE, answer=PERSON,
              summary="Read a person; a merged id answers 308 to the survivor")
async def get_person(request: web.Request) -> Any:
    return (await request.app[SERVICES].persons.get(request.match_info["person_id"])).to_json()


@routes.route("PATCH", "/persons/{person_id}", roles=SERVICE, body=PersonInput, answer=PERSON,
              summary="Change the fields given (addresses and consent included)")
async def update_person(request: web.Request, body: PersonInput) -> Any:
    person = await request.app[SERVICES].persons.update(request.match_info["person_id"], body)
    return person.to_json()


@routes.route("DELETE", "/persons/{person_id}", roles=SERVICE,
              answer=Answer("what was erased"),
              summary="Erase a person's personal data everywhere; keep a suppression hash")
async def erase_person(request: web.Request) -> Any:
    report = await request.app[SERVICES].erasure.erase(request.match_info["person_id"])
    return {"id": report.person_id, "erased_at": report.erased_at.isoformat(),
            "addresses_suppressed": report.addresses_suppressed,
            "roles_removed": report.roles_removed, "events_erased": report.events_erased}


@routes.route("POST", "/persons/{person_id}/merge", roles=SERVICE, body=MergeInput,
              answer=PERSON, summary="Merge a duplicate into this person (audited: "
                                     "`POST /merges/{id}/undo` moves it back)")
async def merge_person(request: web.Request, body: MergeInput) -> Any:
    survivor = await request.app[SERVICES].merge.merge(
        request.match_info["person_id"], body.duplicate_id, by=request[PRINCIPAL].name)
    return survivor.to_json()


@routes.route("GET", "/persons/{person_id}/roles", roles=SERVICE,
              answer=Answer("the person's roles", Role, paged=True),
              summary="The person's roles at organisations")
async def person_roles(request: web.Request) -> Any:
    services = request.app[SERVICES]
    person = await services.persons.get(request.match_info["person_id"])
    return page_json(await services.directory.roles_of_person(person.id), None)


@routes.route("POST", "/persons/{person_id}/notes", roles=SERVICE, body=NoteInput, status=201,
              answer=Answer("the note event", Event),
              summary="Add a staff note; in a role it shows on the organisation's timeline too")
async def add_note(request: web.Request, body: NoteInput) -> Any:
    services = request.app[SERVICES]
    person = await services.persons.get(request.match_info["person_id"])
    event = await services.timeline.add_note(
        person.id, body.text, role_id=body.role_id, author=request[PRINCIPAL].name)
    return event.to_json()


@routes.route("GET", "/persons/{person_id}/consent-proof", roles=SERVICE,
              answer=Answer("consent per channel now, and every change with its proof"),
              summary="Proof of consent: source, exact text, address, client, time, "
                      "confirmation of every change")
async def consent_proof(request: web.Request) -> Any:
    return await request.app[SERVICES].person_data.consent_proof(request.match_info["person_id"])


@routes.route("GET", "/persons/{person_id}/export", roles=SERVICE,
              answer=Answer("everything Hub holds about the person"),
              summary="Data access export (GDPR art. 15/20): profile, addresses, household, "
                      "roles, consent proof, every event with its body, transactions")
async def export_person(request: web.Request) -> web.Response:
    data = await request.app[SERVICES].person_data.export(request.match_info["person_id"])
    return web.json_response(data, headers={
        "Content-Disposition": f'attachment; filename="person-{data["person"]["id"]}.json"'})

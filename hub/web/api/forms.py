"""Web forms as staff define them; the public side is `hub.web.public`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.forms import FormDefinition
from hub.domain.staff import STAFF
from hub.services.forms import FormInput
from hub.web.api.queries import PageQuery
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import SERVICES, SETTINGS

routes = ApiRoutes()


def _with_url(request: web.Request, form: FormDefinition) -> dict[str, Any]:
    return {**form.to_json(), "url": f"{request.app[SETTINGS].public_url}/f/{form.slug}"}


@routes.route("POST", "/forms", roles=STAFF, body=FormInput, status=201,
              answer=Answer("the form, with the public `url` of its page", FormDefinition),
              summary="Define a web form served at /f/{slug}; 409 when the slug is taken")
async def create_form(request: web.Request, body: FormInput) -> Any:
    return _with_url(request, await request.app[SERVICES].forms.define(body))


@routes.route("GET", "/forms", roles=STAFF, query=PageQuery,
              answer=Answer("a page of forms", FormDefinition, paged=True),
              summary="List web forms, oldest first")
async def list_forms(request: web.Request, query: PageQuery) -> Any:
    page = await request.app[SERVICES].forms.list(limit=query.limit, cursor=query.cursor)
    return {"items": [_with_url(request, f) for f in page.items], "next_cursor": page.next_cursor}


@routes.route("GET", "/forms/{form_id}", roles=STAFF,
              answer=Answer("the form, with the public `url` of its page", FormDefinition),
              summary="Read a web form")
async def get_form(request: web.Request) -> Any:
    return _with_url(request, await request.app[SERVICES].forms.get(request.match_info["form_id"]))

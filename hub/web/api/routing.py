"""The API route table: each route declares its roles, input types and answer once; the same
declaration parses requests, checks roles and writes `/api/v1/openapi.json`."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.domain.common import Record
from hub.domain.staff import StaffRole
from hub.errors import InvalidInput
from hub.web.auth import require_role
from hub.web.json_input import parse_json

API_PREFIX = "/api/v1"
Handler = Callable[..., Awaitable[Any]]


class InvalidJson(InvalidInput):
    code = "invalid_json"
    status = 400


class UnsupportedMediaType(web.HTTPUnsupportedMediaType):
    pass


@dataclass(frozen=True, slots=True)
class Answer:
    """What a route answers: a record type, a page of them, or a free-form description."""

    description: str
    model: type[BaseModel] | None = None
    paged: bool = False


@dataclass(frozen=True, slots=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    roles: frozenset[StaffRole] | None  # None: public
    summary: str
    answer: Answer
    status: int = 200
    body: Any = None  # a pydantic model or any type TypeAdapter accepts
    query: type[BaseModel] | None = None

    @property
    def url(self) -> str:
        return API_PREFIX + self.path


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Where and what, without echoing the input back (it may be huge or personal)."""
    return [{"field": ".".join(str(p) for p in err["loc"]), "error": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)]


def _first_problem(details: list[dict[str, Any]]) -> str:
    first = details[0]
    return f"{first['field']}: {first['error']}" if first["field"] else first["error"]


def parse_query(model: type[BaseModel], request: web.Request) -> BaseModel:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        details = validation_details(exc)
        raise InvalidInput(_first_problem(details), details=details) from exc


async def parse_json_body(body_type: Any, request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise UnsupportedMediaType(reason="send the body as application/json")
    raw = await request.read()  # aiohttp raises 413 beyond the app's client_max_size
    try:
        data = parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"the body is not valid JSON: {exc}") from exc
    try:
        return TypeAdapter(body_type).validate_python(data)
    except ValidationError as exc:
        details = validation_details(exc)
        raise InvalidInput(_first_problem(details), details=details) from exc


class ApiRoutes:
    """An explicit table of API routes; a duplicate (method, path) is refused."""

    def __init__(self) -> None:
        self.routes: list[ApiRoute] = []

    @classmethod
    def combine(cls, *tables: ApiRoutes) -> ApiRoutes:
        combined = cls()
        for table in tables:
            for route in table.routes:
                combined._add(route)
        return combined

    def _add(self, route: ApiRoute) -> None:
        if any(r.method == route.method and r.path == route.path for r in self.routes):
            raise ValueError(f"route {route.method} {route.path} declared twice")
        self.routes.append(route)

    def route(
        self, method: str, path: str, *, roles: frozenset[StaffRole] | None, summary: str,
        answer: Answer, status: int = 200, body: Any = None, query: type[BaseModel] | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._add(ApiRoute(method, path, handler, roles, summary, answer, status, body, query))
            return handler

        return register

    def add_to(self, app: web.Application) -> None:
        for route in self.routes:
            app.router.add_route(route.method, route.url, _endpoint(route))


def _endpoint(route: ApiRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        if route.roles is not None:
            await require_role(request, route.roles)
        kwargs: dict[str, Any] = {}
        if route.query is not None:
            kwargs["query"] = parse_query(route.query, request)
        if route.body is not None:
            kwargs["body"] = await parse_json_body(route.body, request)
        result = await route.handler(request, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, status=route.status)

    endpoint.__name__ = route.handler.__name__
    return endpoint


@functools.cache
def _list_adapter(record_type: type[Record]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[record_type])  # type: ignore[valid-type]


def page_json(items: Sequence[Record], next_cursor: str | None) -> web.Response:
    """`{"items": [...], "next_cursor": ...}`, serialised by pydantic in one pass."""
    encoded = b"[]"
    if items:
        encoded = _list_adapter(type(items[0])).dump_json(list(items), by_alias=True)
    body = b'{"items":' + encoded + b',"next_cursor":' + json.dumps(next_cursor).encode() + b"}"
    return web.Response(body=body, content_type="application/json")


def page_of_json(items: Sequence[str], next_cursor: str | None) -> web.Response:
    """`page_json`'s exact bytes for items that already are JSON objects (the timelines:
    `hub/domain/event_json.py`), joined rather than serialised again."""
    body = (f'{{"items":[{",".join(items)}],"next_cursor":{json.dumps(next_cursor)}}}')
    return web.Response(body=body.encode(), content_type="application/json")

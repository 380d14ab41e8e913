"""Calls: a staff call log, and CSV imports of telephony exports (streamed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from channels.calls.csv_import import read_calls
from channels.calls.fields import CALL_FIELDS, CallFields, CallLogInput
from hub.domain.events import Event
from hub.domain.staff import SERVICE
from hub.services.calls import CallDetails, ImportLine
from hub.web.api.routing import Answer, ApiRoutes, UnsupportedMediaType
from hub.web.auth import PRINCIPAL
from hub.web.json_input import parse_string_map
from hub.web.keys import SERVICES

routes = ApiRoutes()
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
CHUNK = 64 * 1024


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mapping: str | None = Field(default=None, max_length=4000, description=(
        'JSON object {call field: column name}, e.g. {"number": "Caller ID"}'))
    delimiter: Literal[",", ";", "\t"] | None = None


def details_of(fields: CallFields) -> CallDetails:
    return CallDetails(
        direction=fields.direction, started_at=fields.started_at, duration_s=fields.duration_s,
        wait_s=fields.wait_s, agent=fields.agent, outcome=fields.outcome, notes=fields.notes,
        external_id=fields.external_id)


@routes.route("POST", "/calls", roles=SERVICE, body=CallLogInput, status=201,
              answer=Answer("the call event (200 with the stored one for a known external_id)",
                            Event),
              summary="Log a call for a person (by id or phone); idempotent on external_id")
async def log_call(request: web.Request, body: CallLogInput) -> Any:
    event, created = await request.app[SERVICES].calls.log(
        details_of(body), person_id=body.person_id, phone=body.phone,
        author=request[PRINCIPAL].name)
    return web.json_response(event.to_json(), status=201 if created else 200)


@routes.route("POST", "/calls/import", roles=SERVICE, query=ImportQuery,
              answer=Answer('{"imported": n, "duplicates": n, "rejected": [{"line": n, '
                            '"error": "..."}], "rejected_total": n}'),
              summary="Import calls from a CSV export (header row; text/csv), streamed")
async def import_calls(request: web.Request, query: ImportQuery) -> Any:
    if request.content_type not in CSV_TYPES:
        raise UnsupportedMediaType(reason="send the file as text/csv")
    mapping = parse_string_map(query.mapping, "mapping", '{"number": "Caller"}',
                               {"known_fields": list(CALL_FIELDS)})

    async def lines() -> AsyncIterator[ImportLine]:
        rows = read_calls(request.content.iter_chunked(CHUNK), mapping, query.delimiter)
        async for row in rows:
            if row.call is None:
                yield ImportLine(row.line, error=row.error)
            else:
                yield ImportLine(row.line, call=details_of(row.call), number=row.call.number)

    report = await request.app[SERVICES].calls.import_lines(lines())
    return {"imported": report.imported, "duplicates": report.duplicates,
            "rejected": report.rejected, "rejected_total": report.rejected_total}

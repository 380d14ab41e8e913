"""Contact import (marketing): a CSV body streamed into persons, households, organisations and
roles, with a report per row. The body is read from `request.content` with its own limit
(1 GiB), not the app's `client_max_size`, so a 100,000-row file goes through."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.domain.staff import MARKETING
from hub.errors import PayloadTooLarge
from hub.services.contact_import import MAX_IMPORT_BYTES, ImportOptions, RowResult
from hub.web.api.routing import Answer, ApiRoutes, UnsupportedMediaType
from hub.web.json_input import parse_string_map
from hub.web.keys import SERVICES

routes = ApiRoutes()
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
CHUNK = 64 * 1024
LIMIT_BYTES = MAX_IMPORT_BYTES  # module level, so a test can lower it
REPORT_COLUMNS = ("line", "outcome", "person_id", "reason")
MappingName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class ContactImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False
    on_match: Literal["update", "skip"] = "update"
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=100)] = Field(
        default="api", description="the import's name; consent proof gets source import:<name>")
    mapping: MappingName | None = Field(default=None, description="a saved column mapping")
    columns: str | None = Field(default=None, max_length=8000, description=(
        'JSON object {source header: Hub field}, e.g. {"E-mailadres": "email"}'))
    save_mapping: MappingName | None = Field(
        default=None, description="save the mapping in effect under this name (not on a dry run)")
    consent_basis: str | None = Field(default=None, min_length=1, max_length=200)
    consent_text: str | None = Field(default=None, min_length=1, max_length=5000)
    report: Literal["json", "csv"] = Field(
        default="json", description="csv: the per-row report (line, outcome, person_id, reason)")


@routes.route("POST", "/imports/contacts", roles=MARKETING, query=ContactImportQuery,
              answer=Answer('{"created": n, "updated": n, "unchanged": n, "rejected": '
                            '[{"line": n, "error": "..."}], "rejected_total": n, '
                            '"warnings": [...], "dry_run": bool}'),
              summary="Import contacts from a CSV (text/csv), streamed; dry_run gives the same "
                      "report and writes nothing; 413 beyond 1 GiB")
async def import_contacts(request: web.Request, query: ContactImportQuery) -> Any:
    if request.content_type not in CSV_TYPES:
        raise UnsupportedMediaType(reason="send the file as text/csv")
    if request.content_length is not None and request.content_length > LIMIT_BYTES:
        raise PayloadTooLarge(LIMIT_BYTES)
    options = ImportOptions(
        name=query.name, dry_run=query.dry_run, on_match=query.on_match, mapping=query.mapping,
        columns=parse_string_map(query.columns, "columns", '{"Mail": "email"}'),
        save_mapping=query.save_mapping,
        consent_basis=query.consent_basis, consent_text=query.consent_text,
        max_bytes=LIMIT_BYTES)
    service = request.app[SERVICES].contact_import
    chunks: AsyncIterator[bytes] = request.content.iter_chunked(CHUNK)
    if query.report == "json":
        report = await service.run(chunks, options)
        return report.to_json()
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(REPORT_COLUMNS)

    async def keep(result: RowResult) -> None:
        writer.writerow((result.line, result.outcome, result.person_id or "", result.reason))

    report = await service.run(chunks, options, on_row=keep)
    headers = {"X-Import-Created": str(report.created), "X-Import-Updated": str(report.updated),
               "X-Import-Unchanged": str(report.unchanged),
               "X-Import-Rejected": str(report.rejected_total),
               "Content-Disposition": 'attachment; filename="import-report.csv"'}
    return web.Response(text=rows.getvalue(), content_type="text/csv", headers=headers)

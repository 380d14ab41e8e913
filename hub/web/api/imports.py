"""Contact import (marketing): a CSV body streamed into persons, households, organisations and
roles, with a report per row. The body is read from `request.content` with its own limit
(1 GiB), not the app's `client_max_size`, so a 100,000-row file goes through.

A real import runs as the background job the `/imports` page starts (`ImportJobs`): the body
is kept as an upload, its options and header row checked (422 before anything runs), and the
answer is 202 with the job and where to follow it. A dry run writes nothing and answers its
report at once."""

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
from hub.services.import_jobs import ImportJob
from hub.web.api.routing import Answer, ApiRoutes, UnsupportedMediaType
from hub.web.json_input import parse_string_map
from hub.web.keys import IMPORT_JOBS, SERVICES

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
        default="json", description="a dry run's answer; csv: the per-row report (line, "
                                    "outcome, person_id, reason). A real import's per-row "
                                    "report is at the job's report_url")


JOB_ANSWER = ('{"id": "...", "state": "running|done|failed|interrupted", "progress": 0.0-1.0, '
              '"rows": n, "dry_run": false, "resumable": bool, "error": null, "report": null '
              '(when done: the report of a dry run), "progress_url": "...", '
              '"report_url": "..."}')


def _job_answer(job: ImportJob) -> dict[str, Any]:
    url = f"/api/v1/imports/contacts/jobs/{job.id}"
    return {**job.to_json(), "progress_url": url, "report_url": url + "/report.csv"}


@routes.route("POST", "/imports/contacts", roles=MARKETING, query=ContactImportQuery,
              status=202, answer=Answer(JOB_ANSWER + '; a dry run answers 200 with {"created": '
                                        'n, "updated": n, "unchanged": n, "rejected": [{"line": '
                                        'n, "error": "..."}], "rejected_total": n, "warnings": '
                                        '[...], "dry_run": true}'),
              summary="Import contacts from a CSV (text/csv): the file is kept and imported by a "
                      "background job (202, follow progress_url); dry_run answers the same "
                      "report at once and writes nothing; 422 for a header or options that do "
                      "not fit, 413 beyond 1 GiB")
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
    if not options.dry_run:
        return await _start_job(request, chunks, options)
    if query.report == "json":
        report = await service.run(chunks, options)
        return web.json_response(report.to_json())  # 200: the route's 202 is a real import's
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


async def _start_job(request: web.Request, chunks: AsyncIterator[bytes],
                     options: ImportOptions) -> web.Response:
    jobs = request.app[IMPORT_JOBS]
    upload_id = await jobs.keep_stream(chunks, max_bytes=LIMIT_BYTES)
    try:
        header, _ = await jobs.header(upload_id)
        await request.app[SERVICES].contact_import.check(header, options)
    except BaseException:
        jobs.discard_upload(upload_id)
        raise
    answer = _job_answer(await jobs.start(upload_id, options))
    return web.json_response(answer, status=202, headers={"Location": answer["progress_url"]})


@routes.route("GET", "/imports/contacts/jobs/{job_id}", roles=MARKETING, answer=Answer(JOB_ANSWER),
              summary="A contact import job: state, progress (share of the file read), rows so "
                      "far, and the report when done")
async def import_job(request: web.Request) -> Any:
    return _job_answer(await request.app[IMPORT_JOBS].get(request.match_info["job_id"]))


@routes.route("GET", "/imports/contacts/jobs/{job_id}/report.csv", roles=MARKETING,
              answer=Answer("text/csv: line, outcome, person_id, reason (404 while running)"),
              summary="A contact import job's per-row report as CSV")
async def import_job_report(request: web.Request) -> web.StreamResponse:
    path = await request.app[IMPORT_JOBS].report_path(request.match_info["job_id"])
    return web.FileResponse(path, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="import-report.csv"'})

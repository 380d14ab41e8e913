"""/imports: the contact import page. Upload a CSV (kept under var/imports/), map its columns
to Hub fields (a mapping saved by name can be loaded again), choose what a match does and the
legal basis and text for consent columns, then a dry run and the real run, each a background
job whose progress the page polls; the per-row report on the page and as a CSV download.

The handlers only read the form and call the import service (`ContactImportService` through
`ImportJobs`), the same one `hub import contacts` and `POST /api/v1/imports/contacts` use."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from aiohttp.web_request import FileField

from hub.domain.staff import MARKETING
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.services.contact_import import ImportOptions
from hub.services.contact_rows import FIXED_FIELDS, is_field
from hub.web.keys import IMPORT_JOBS, SERVICES, SETTINGS
from hub.web.ui.form_input import Checkbox, Cut, PageForm, form_model
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render

REJECTED_SHOWN = 100
ADDRESS_FIELDS = ("email", "email2", "email3", "phone", "phone2", "phone3")
LEGAL_BASES = (N_("consent"), N_("contract"), N_("legitimate interest"))


def target_fields() -> list[str]:
    """The Hub fields a column can be mapped to (attributes: `attr.<key>`)."""
    return [*ADDRESS_FIELDS, *sorted(FIXED_FIELDS)]


def guessed(header: str) -> str:
    lowered = header.strip().lower()
    return lowered if is_field(lowered) else ""


class RunForm(PageForm):
    name: Annotated[str, Cut(100)] = ""
    on_match: Annotated[str, Cut(10)] = "update"
    consent_basis: Annotated[str, Cut(200)] = ""
    consent_text: Annotated[str, Cut(5000)] = ""
    save_mapping: Annotated[str, Cut(64)] = ""
    dry_run: Checkbox = False


@staff_page(MARKETING)
async def imports_page(request: web.Request) -> web.StreamResponse:
    return render(request, "ui/marketing/imports.html", {
        "title": N_("Import contacts"), "nav": "imports",
        "limit": request.app[SETTINGS].max_body_bytes})


@staff_page(MARKETING)
async def upload(request: web.Request) -> web.StreamResponse:
    """The file field of the posted form (aiohttp keeps it in a temporary file)."""
    posted = await request.post()
    file = posted.get("file")
    try:
        if not isinstance(file, FileField):
            raise InvalidInput(N_("Choose a CSV file to upload."))
        upload_id = await request.app[IMPORT_JOBS].keep_upload(
            file.file, max_bytes=request.app[SETTINGS].max_body_bytes)
    except InvalidInput as exc:
        return render(request, "ui/marketing/imports.html", {
            "title": N_("Import contacts"), "nav": "imports", "error": exc.message,
            "limit": request.app[SETTINGS].max_body_bytes}, status=422)
    return redirect(f"/imports/{upload_id}")


async def _mapping_page(request: web.Request, upload_id: str, *, form: RunForm | None = None,
                        columns: dict[str, str] | None = None, error: str | None = None,
                        status: int = 200) -> web.Response:
    jobs = request.app[IMPORT_JOBS]
    service = request.app[SERVICES].contact_import
    header, warnings = await jobs.header(upload_id)
    chosen_mapping = request.query.get("mapping", "")[:64]
    saved: dict[str, str] = {}
    if chosen_mapping and columns is None:
        try:
            saved = await service.saved_mapping(chosen_mapping)
        except (InvalidInput, LookupError) as exc:
            error = error or getattr(exc, "message", str(exc))
    job = await jobs.get(request.query["job"][:64]) if "job" in request.query else None
    if job is not None and job.options is not None and form is None and not chosen_mapping:
        # the page after a run shows what it ran with, ready for the next (dry → real)
        columns = columns or {h: job.options.columns.get(h, "") for h in header}
        form = RunForm(name=job.options.name, consent_basis=job.options.consent_basis or "",
                       consent_text=job.options.consent_text or "",
                       on_match=job.options.on_match,
                       save_mapping=job.options.save_mapping or "")
    if columns is None:
        columns = {h: saved.get(h) or guessed(h) for h in header}
    report = job.report if job is not None else None
    return render(request, "ui/marketing/import.html", {
        "title": N_("Import contacts"), "nav": "imports", "upload_id": upload_id,
        "size": jobs.upload_size(upload_id), "header": header, "warnings": warnings,
        "columns": columns, "fields": target_fields(), "form": form or RunForm(),
        "mappings": await service.mapping_names(), "mapping": chosen_mapping,
        "legal_bases": LEGAL_BASES, "job": job, "report": report,
        "rejected": report.rejected[:REJECTED_SHOWN] if report else [],
        "error": error}, status=status)


@staff_page(MARKETING)
async def mapping_page(request: web.Request) -> web.StreamResponse:
    return await _mapping_page(request, request.match_info["upload_id"])


@staff_page(MARKETING)
async def run_import(request: web.Request) -> web.StreamResponse:
    upload_id = request.match_info["upload_id"]
    jobs = request.app[IMPORT_JOBS]
    header, _ = await jobs.header(upload_id)
    posted = await request.post()
    form = form_model(RunForm, posted)
    columns = {h: str(posted.get(f"map_{i}", ""))[:100].strip() for i, h in enumerate(header)}
    mapped = {h: f for h, f in columns.items() if f}
    try:
        for target in mapped.values():
            if not is_field(target):
                raise InvalidInput(N_("Choose a Hub field for each column, or ignore it."))
        options = ImportOptions(
            name=form.name or "page", dry_run=form.dry_run,
            on_match="skip" if form.on_match == "skip" else "update", columns=mapped,
            save_mapping=form.save_mapping or None,
            consent_basis=form.consent_basis or None, consent_text=form.consent_text or None)
        if bool(options.consent_basis) != bool(options.consent_text):
            raise InvalidInput(N_("Give the legal basis and the consent text together: "
                                  "without both, opt-ins in the file stay unknown."))
        job = await jobs.start(upload_id, options)
    except InvalidInput as exc:
        return await _mapping_page(request, upload_id, form=form, columns=columns,
                                   error=exc.message, status=422)
    return redirect(f"/imports/{upload_id}?job={job.id}")


@staff_page(MARKETING)
async def job_status(request: web.Request) -> web.StreamResponse:
    job = await request.app[IMPORT_JOBS].get(request.match_info["job_id"])
    answer: dict[str, Any] = job.to_json()
    if answer["report"]:
        answer["report"]["rejected"] = answer["report"]["rejected"][:REJECTED_SHOWN]
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


@staff_page(MARKETING)
async def job_report(request: web.Request) -> web.StreamResponse:
    path = await request.app[IMPORT_JOBS].report_path(request.match_info["job_id"])
    return web.FileResponse(path, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="import-report.csv"'})


@staff_page(MARKETING)
async def resume_job(request: web.Request) -> web.StreamResponse:
    """An interrupted (or failed) real import, run again on the same file and options."""
    job = await request.app[IMPORT_JOBS].resume(request.match_info["job_id"])
    return redirect(f"/imports/{job.upload_id}?job={job.id}")


def add_import_ui(app: web.Application) -> None:
    r = app.router
    r.add_get("/imports", imports_page)
    r.add_post("/imports", upload)
    r.add_get("/imports/jobs/{job_id}", job_status)
    r.add_get("/imports/jobs/{job_id}/report.csv", job_report)
    r.add_get("/imports/{upload_id}", mapping_page)
    r.add_post("/imports/{upload_id}/run", run_import)
    r.add_post("/imports/jobs/{job_id}/resume", resume_job)

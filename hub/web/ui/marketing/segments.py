"""/segments: the builder (plain rows without JS, nested groups with it), a live count and
sample as JSON (a GET with the filter in the query: nothing changes, so no CSRF needed),
the no-JS preview page, saving, and the saved segments with their last count and its time
(the list never counts: a segment is counted when saved, opened, or "count again")."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hub.domain.staff import MARKETING
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.web.keys import CAMPAIGNS
from hub.web.ui.form_input import parse_form, parse_query
from hub.web.ui.guard import staff_page
from hub.web.ui.marketing.filter_form import (
    ROWS,
    FilterForm,
    catalogue_json,
    group_labels,
    op_labels,
    shown_choices,
)
from hub.web.ui.render import redirect, render, ui_viewer

SAVED_LISTED = 100


async def _page(request: web.Request, *, form: dict[str, str] | None = None,
                preview: dict[str, Any] | None = None, error: str | None = None,
                status: int = 200) -> web.Response:
    segments = request.app[CAMPAIGNS].segments
    saved = await segments.find(limit=SAVED_LISTED)
    choices = await segments.field_catalogue()
    form = form or {}
    viewer = ui_viewer(request)
    return render(request, "ui/marketing/segments.html", {
        "title": N_("Segments"), "nav": "segments", "choices": shown_choices(choices, viewer),
        "catalogue": catalogue_json(choices, viewer), "ops": op_labels(viewer),
        "groups": group_labels(viewer),
        "rows": range(ROWS), "form": form, "filter_text": form.get("filter", ""),
        "preview": preview, "error": error, "saved": saved,
        "notice": request.query.get("notice", "")[:40]}, status=status)


@staff_page(MARKETING)
async def segments_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@staff_page(MARKETING)
async def segment_preview_page(request: web.Request) -> web.StreamResponse:
    """The builder form submitted without JS: the same page with the count and sample."""
    form = parse_query(request, FilterForm)
    try:
        filter_ = form.to_filter()
        preview = await request.app[CAMPAIGNS].segments.preview(filter_)
    except InvalidInput as exc:
        return await _page(request, form=form.shown(), error=exc.message, status=422)
    return await _page(request, form={**form.shown(), "filter": json.dumps(filter_)},
                       preview={**preview, "filter": filter_})


@staff_page(MARKETING)
async def segment_count(request: web.Request) -> web.StreamResponse:
    """`GET /segments/count?filter=<json>`: {"count", "sample"} or 422 {"error"}."""
    headers = {"Cache-Control": "no-store"}
    try:
        form = FilterForm(mode="json", filter=request.query.get("filter", ""))
        preview = await request.app[CAMPAIGNS].segments.preview(form.to_filter())
    except InvalidInput as exc:
        return web.json_response({"error": {"code": exc.code, "message": exc.message,
                                            "details": exc.details}},
                                 status=422, headers=headers)
    return web.json_response(preview, headers=headers)


@staff_page(MARKETING)
async def save_segment(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, FilterForm)
    try:
        if not form.name:
            raise InvalidInput(N_("Give the segment a name."))
        filter_ = form.to_filter()
        if not filter_:
            raise InvalidInput(N_("Add at least one condition before saving."))
        segment = await request.app[CAMPAIGNS].segments.create(form.name, filter_)
    except InvalidInput as exc:
        return await _page(request, form=form.shown(), error=exc.message, status=422)
    await request.app[CAMPAIGNS].segments.recount(segment.id)
    return redirect("/segments?notice=saved")


@staff_page(MARKETING)
async def recount_segment(request: web.Request) -> web.StreamResponse:
    """`POST /segments/{id}/count`: count a saved segment again, on demand."""
    segment = await request.app[CAMPAIGNS].segments.recount(request.match_info["segment_id"])
    return redirect(f"/segments?notice=counted#segment-{segment.id}")


@staff_page(MARKETING)
async def segment_detail(request: web.Request) -> web.StreamResponse:
    kit = request.app[CAMPAIGNS]
    segment = await kit.segments.get(request.match_info["segment_id"])
    try:
        preview: dict[str, Any] | None = await kit.segments.preview_saved(segment.id)
        error = None
    except InvalidInput as exc:
        preview, error = None, exc.message
    return render(request, "ui/marketing/segment.html", {
        "title": segment.name, "nav": "segments", "segment": segment, "preview": preview,
        "error": error, "filter_json": json.dumps(segment.filter, indent=2)})

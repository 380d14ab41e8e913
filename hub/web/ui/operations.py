"""`/outbox` (what the sandbox transports "sent") and `/quarantine` (inbound input that could
not be stored, with retry): the operational pages service staff check."""

from __future__ import annotations

from aiohttp import web

from hub.domain.staff import SERVICE
from hub.i18n import N_
from hub.services.inbox import RETRYABLE_SOURCES
from hub.services.outbox import sandbox_outbox
from hub.web.api.inbound import email_ingest
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render

QUARANTINE_SHOWN = 200


@staff_page(SERVICE)
async def outbox_page(request: web.Request) -> web.StreamResponse:
    directory, items = await sandbox_outbox(request.app[SETTINGS].var_dir)
    return render(request, "ui/outbox.html", {"title": N_("Outbox"), "items": items,
                                              "directory": str(directory), "nav": "outbox"})


@staff_page(SERVICE)
async def quarantine_page(request: web.Request) -> web.StreamResponse:
    entries = await request.app[SERVICES].inbox.quarantine_entries(status="held",
                                                                   limit=QUARANTINE_SHOWN)
    return render(request, "ui/quarantine.html", {
        "title": N_("Quarantine"), "entries": entries, "nav": "quarantine",
        "retryable": RETRYABLE_SOURCES, "notice": request.query.get("notice", "")[:20]})


@staff_page(SERVICE)
async def quarantine_retry(request: web.Request) -> web.StreamResponse:
    entry = await request.app[SERVICES].inbox.retryable(request.match_info["entry_id"])
    result = await email_ingest(request).retry(entry.id)
    return redirect("/quarantine?notice=" + ("stored" if result.event else "still-held"))

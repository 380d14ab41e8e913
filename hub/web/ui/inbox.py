"""`/`: the inbox, people waiting for an answer, longest wait first. Marketing staff, who
have no inbox, get a short page pointing to their own."""

from __future__ import annotations

from aiohttp import web

from hub.domain.staff import STAFF
from hub.i18n import N_
from hub.web.keys import SERVICES
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.render import fragment, render


@staff_page(STAFF)
async def inbox_page(request: web.Request) -> web.StreamResponse:
    if request[USER].role == "marketing":
        return render(request, "ui/marketing_home.html", {"title": N_("Hub"), "nav": "inbox"})
    rows = await request.app[SERVICES].search.inbox()
    return render(request, "ui/inbox.html", {"title": N_("Inbox"), "rows": rows, "nav": "inbox"})


async def inbox_rows_html(request: web.Request) -> str:
    rows = await request.app[SERVICES].search.inbox()
    response = fragment(request, "ui/inbox_rows.html", {"rows": rows})
    return response.text or ""

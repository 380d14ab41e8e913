"""The preflight on a draft campaign's page: start it (it runs in the background) and the
state the page polls while it renders the templates for the audience."""

from __future__ import annotations

from aiohttp import web

from hub.domain.staff import MARKETING
from hub.web.keys import CAMPAIGNS
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect


@staff_page(MARKETING)
async def start_preflight(request: web.Request) -> web.StreamResponse:
    campaign_id = request.match_info["campaign_id"]
    await request.app[CAMPAIGNS].campaigns.start_preflight(campaign_id)
    return redirect(f"/campaigns/{campaign_id}#preflight")


@staff_page(MARKETING)
async def preflight_state(request: web.Request) -> web.StreamResponse:
    service = request.app[CAMPAIGNS].campaigns
    state = await service.preflight(await service.get(request.match_info["campaign_id"]))
    return web.json_response(state or {"state": "none"}, headers={"Cache-Control": "no-store"})


def add_preflight_ui(app: web.Application) -> None:
    """Registered before /campaigns/{id}/{action}, which would take the path otherwise."""
    app.router.add_post("/campaigns/{campaign_id}/preflight", start_preflight)
    app.router.add_get("/campaigns/{campaign_id}/preflight", preflight_state)

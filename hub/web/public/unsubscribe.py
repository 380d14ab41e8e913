"""`/u/{token}`: the unsubscribe link of every marketing email. A GET shows a confirmation
and changes nothing (link scanners follow GETs); one POST unsubscribes, as RFC 8058's
one-click `List-Unsubscribe=One-Click` does, without a cookie. The page is in the person's
language, else the browser's; an unknown link in the browser's."""

from __future__ import annotations

from aiohttp import web

from hub.i18n import N_
from hub.web.keys import CAMPAIGNS
from hub.web.locale import Viewer, public_viewer
from hub.web.public.pages import link_not_valid, render

NOT_VALID = {"title": N_("Link not valid"), "heading": N_("This link is not valid"),
             "message": N_("The unsubscribe link is unknown or no longer valid.")}


def _not_valid(request: web.Request) -> web.Response:
    return link_not_valid(request, "public/unsubscribe.html", NOT_VALID)


async def unsubscribe_page(request: web.Request) -> web.Response:
    person = await request.app[CAMPAIGNS].unsubscribe.person_for(request.match_info["token"])
    if person is None:
        return _not_valid(request)
    viewer: Viewer = public_viewer(request, person.language)
    heading = viewer.gettext("Unsubscribe")
    return render(request, "public/unsubscribe.html", {
        "title": heading, "heading": heading, "confirm": True,
        "name": person.name.split()[0] if person.name else ""}, viewer=viewer)


async def unsubscribe(request: web.Request) -> web.Response:
    await request.post()  # the body is List-Unsubscribe=One-Click; any POST counts
    token = request.match_info["token"]
    person = await request.app[CAMPAIGNS].unsubscribe.person_for(token)
    done = await request.app[CAMPAIGNS].unsubscribe.unsubscribe(token, source="unsubscribe link")
    if not done:
        return _not_valid(request)
    viewer = public_viewer(request, person.language if person else None)
    return render(request, "public/unsubscribe.html", {
        "title": viewer.gettext("Unsubscribed"),
        "heading": viewer.gettext("You are unsubscribed"), "confirm": False,
        "message": viewer.gettext("You will not receive marketing email from us any more.")},
        viewer=viewer)


def add_unsubscribe_routes(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_page)
    app.router.add_post("/u/{token}", unsubscribe)

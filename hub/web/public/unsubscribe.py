"""`/u/{token}`: the unsubscribe link of every marketing email. A GET shows a confirmation
and changes nothing (link scanners follow GETs); one POST unsubscribes, as RFC 8058's
one-click `List-Unsubscribe=One-Click` does, without a cookie."""

from __future__ import annotations

from aiohttp import web

from hub.web.keys import CAMPAIGNS
from hub.web.public.pages import render

NOT_VALID = {"title": "Link not valid", "heading": "This link is not valid",
             "message": "The unsubscribe link is unknown or no longer valid.",
             "confirm": False}


async def unsubscribe_page(request: web.Request) -> web.Response:
    person = await request.app[CAMPAIGNS].unsubscribe.person_for(request.match_info["token"])
    if person is None:
        return render(request, "public/unsubscribe.html", NOT_VALID, status=404)
    return render(request, "public/unsubscribe.html", {
        "title": "Unsubscribe", "heading": "Unsubscribe", "confirm": True,
        "name": person.name.split()[0] if person.name else ""})


async def unsubscribe(request: web.Request) -> web.Response:
    await request.post()  # the body is List-Unsubscribe=One-Click; any POST counts
    done = await request.app[CAMPAIGNS].unsubscribe.unsubscribe(
        request.match_info["token"], source="unsubscribe link")
    if not done:
        return render(request, "public/unsubscribe.html", NOT_VALID, status=404)
    return render(request, "public/unsubscribe.html", {
        "title": "Unsubscribed", "heading": "You are unsubscribed", "confirm": False,
        "message": "You will not receive marketing email from us any more."})


def add_unsubscribe_routes(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_page)
    app.router.add_post("/u/{token}", unsubscribe)

"""`/c/{token}`: the owner of an address confirms the consent given for it on a form (double
opt-in). A GET shows what will be confirmed and changes nothing (mail scanners follow
links); the POST confirms, with the visitor's address as part of the proof. The page is in
the person's language, else the browser's."""

from __future__ import annotations

from aiohttp import web

from hub.i18n import N_
from hub.web.client import client_address
from hub.web.keys import SERVICES
from hub.web.locale import public_viewer
from hub.web.public.pages import link_not_valid, render

NOT_VALID = {"title": N_("Link not valid"), "heading": N_("This link is not valid"),
             "message": N_("The confirmation link is unknown, expired or already used up.")}
WHAT = {"email": N_("email"), "sms": N_("text messages (SMS)"), "call": N_("phone calls"),
        "whatsapp": N_("WhatsApp messages")}


def _not_valid(request: web.Request) -> web.Response:
    return link_not_valid(request, "public/confirm.html", NOT_VALID)


async def confirm_page(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].double_opt_in.pending(request.match_info["token"])
    if found is None:
        return _not_valid(request)
    viewer = public_viewer(request, found.person.language)
    heading = viewer.gettext("Confirm your subscription")
    return render(request, "public/confirm.html", {
        "title": heading, "heading": heading, "confirm": True,
        "what": viewer.gettext(WHAT.get(found.channel, found.channel)),
        "address": found.event.data["consent"].get("address") or ""}, viewer=viewer)


async def confirm(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].double_opt_in.confirm(
        request.match_info["token"], client=client_address(request))
    if found is None:
        return _not_valid(request)
    viewer = public_viewer(request, found.person.language)
    return render(request, "public/confirm.html", {
        "title": viewer.gettext("Confirmed"), "heading": viewer.gettext("Thank you"),
        "confirm": False, "message": viewer.gettext(
            "Your subscription is confirmed. Every message has a link to unsubscribe.")},
        viewer=viewer)


def add_confirm_routes(app: web.Application) -> None:
    app.router.add_get("/c/{token}", confirm_page)
    app.router.add_post("/c/{token}", confirm)

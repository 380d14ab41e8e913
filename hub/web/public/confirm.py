"""`/c/{token}`: the owner of an address confirms the consent given for it on a form (double
opt-in). A GET shows what will be confirmed and changes nothing (mail scanners follow
links); the POST confirms, with the visitor's address as part of the proof."""

from __future__ import annotations

from aiohttp import web

from hub.web.keys import SERVICES
from hub.web.public.pages import render

CHANNEL_WORDS = {"sms": "text messages (SMS)", "email": "email", "call": "phone calls"}
NOT_VALID = {"title": "Link not valid", "heading": "This link is not valid",
             "message": "The confirmation link is unknown, expired or already used up.",
             "confirm": False}


async def confirm_page(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].double_opt_in.pending(request.match_info["token"])
    if found is None:
        return render(request, "public/confirm.html", NOT_VALID, status=404)
    what = CHANNEL_WORDS.get(found.channel, found.channel)
    return render(request, "public/confirm.html", {
        "title": "Confirm", "heading": "Confirm your subscription", "confirm": True,
        "question": f"Do you want to receive {what} from us at "
                    f"{found.event.data['consent'].get('address') or 'this address'}?",
        "button": "Yes, I confirm"})


async def confirm(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].double_opt_in.confirm(
        request.match_info["token"], client=request.remote)
    if found is None:
        return render(request, "public/confirm.html", NOT_VALID, status=404)
    return render(request, "public/confirm.html", {
        "title": "Confirmed", "heading": "Thank you", "confirm": False,
        "message": "Your subscription is confirmed. Every message has a link to unsubscribe."})


def add_confirm_routes(app: web.Application) -> None:
    app.router.add_get("/c/{token}", confirm_page)
    app.router.add_post("/c/{token}", confirm)

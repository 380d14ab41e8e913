"""`/p/{token}`: the preference centre of every marketing message (issue 15): channels,
topics, language, and "unsubscribe from everything". The personal signed token is the
authority, as for `/u/`: no login, no cookie. A GET shows the choices and changes nothing
(link scanners follow GETs); a POST saves what differs, with the proof (source
`preference_centre`, the exact text shown, the client's address, the time). A POST from a
page of another site (its `Origin`) is refused. The page is in the person's language."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from campaigns.preferences import Choices, Preferences
from hub.i18n import N_
from hub.web.keys import CAMPAIGNS, SETTINGS
from hub.web.locale import Viewer, public_viewer
from hub.web.public.pages import link_not_valid, origin_of, problem, render

NOT_VALID = {"title": N_("Link not valid"), "heading": N_("This link is not valid"),
             "message": N_("The link to your preferences is unknown or no longer valid.")}
CHANNEL_NAMES = {"email": N_("email"), "sms": N_("text messages (SMS)"),
                 "whatsapp": N_("WhatsApp")}
CONSENT_TEXT = N_("Send me news and offers by %(channel)s")
LANGUAGE_NAMES = (("nl", "Nederlands"), ("en", "English"))
MAX_FIELDS = 400


def _page(request: web.Request, prefs: Preferences, viewer: Viewer, notice: str = ""
          ) -> web.Response:
    heading = viewer.gettext("Your preferences")
    person = prefs.person
    return render(request, "public/preferences.html", {
        "title": heading, "heading": heading, "prefs": prefs, "notice": notice,
        "name": person.name.split()[0] if person.name else "",
        "channel_names": {c: viewer.gettext(n) for c, n in CHANNEL_NAMES.items()},
        "languages": LANGUAGE_NAMES, "language": viewer.language}, viewer=viewer)


async def preferences_page(request: web.Request) -> web.Response:
    prefs = await request.app[CAMPAIGNS].preferences.show(request.match_info["token"])
    if prefs is None:
        return link_not_valid(request, "public/preferences.html", NOT_VALID)
    return _page(request, prefs, public_viewer(request, prefs.person.language))


def _same_origin(request: web.Request) -> bool:
    """No Origin (a mail client, an older browser) or `null` (our pages send no referrer,
    so browsers hide the origin): the token alone decides. A browser that says the post
    comes from another site (`Sec-Fetch-Site`, or an Origin not this hub's) is refused."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    own = {origin_of(request.app[SETTINGS].public_url), f"{request.scheme}://{request.host}"}
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" in own


async def save_preferences(request: web.Request) -> web.Response:
    service = request.app[CAMPAIGNS].preferences
    token = request.match_info["token"]
    shown = await service.show(token)
    if shown is None:
        return link_not_valid(request, "public/preferences.html", NOT_VALID)
    viewer = public_viewer(request, shown.person.language)
    if not _same_origin(request):
        return problem(request, 403, "cross_site_post", viewer.gettext("Not saved"),
                       viewer.gettext("This form can only be sent from its own page."),
                       viewer=viewer)
    form = await request.post()
    if len(form) > MAX_FIELDS:
        return problem(request, 400, "too_many_fields", viewer.gettext("Not saved"),
                       viewer.gettext("The form sent too many fields."), viewer=viewer)
    everything = form.get("action") == "everything"
    language = str(form.get("language") or "") or None
    texts = {channel: viewer.gettext(CONSENT_TEXT) % {"channel": viewer.gettext(name)}
             for channel, name in CHANNEL_NAMES.items()}
    saved = await service.save(token, Choices(
        channels={str(v) for v in form.getall("channel", [])},
        topics={str(v) for v in form.getall("topic", [])},
        language=language, everything=everything), client=request.remote, texts=texts)
    if saved is None:
        return link_not_valid(request, "public/preferences.html", NOT_VALID)
    viewer = public_viewer(request, saved.person.language)
    notice = (viewer.gettext("You are unsubscribed from all our news and offers.")
              if everything else viewer.gettext("Your preferences are saved."))
    return _page(request, saved, viewer, notice)


def add_preference_routes(app: web.Application) -> None:
    app.router.add_get("/p/{token}", preferences_page)
    app.router.add_post("/p/{token}", save_preferences)

"""`/profile`: every logged-in staff member's own settings, the language pages are shown in
(Dutch, English, or whatever the browser asks for) and the time zone times are shown and read
in (HUB_TIMEZONE unless chosen). Saved through the staff service; CSRF-checked by the guard."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from aiohttp import web

from hub.domain.staff import STAFF
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.form_input import Blank, Cut, PageForm, parse_form
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.render import redirect, render

LANGUAGE_CHOICES = (("", N_("The browser's language")), ("nl", "Nederlands"),
                    ("en", "English"))


class PreferencesForm(PageForm):
    """Blank means "not chosen": the browser's language, HUB_TIMEZONE."""

    language: Annotated[str | None, Cut(10), Blank] = None
    timezone: Annotated[str | None, Cut(64), Blank] = None


async def _page(request: web.Request, *, error: str = "", status: int = 200,
                shown: PreferencesForm | None = None) -> web.Response:
    user = request[USER]
    return render(request, "ui/profile.html", {
        "title": N_("Your profile"), "nav": "profile", "error": error,
        "notice": request.query.get("notice") == "saved",
        "language": shown.language if shown else user.language or "",
        "timezone": (shown.timezone if shown else user.timezone) or "",
        "default_timezone": request.app[SETTINGS].timezone,
        "languages": LANGUAGE_CHOICES, "zones": sorted(available_timezones())},
        status=status)


@staff_page(STAFF)
async def profile_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@staff_page(STAFF)
async def save_profile(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, PreferencesForm)
    try:
        await request.app[SERVICES].staff.set_preferences(
            request[USER].id, language=form.language, timezone=form.timezone)
    except InvalidInput as exc:
        return await _page(request, error=exc.message, status=422, shown=form)
    return redirect("/profile?notice=saved")


def add_profile_routes(app: web.Application) -> None:
    app.router.add_get("/profile", profile_page)
    app.router.add_post("/profile", save_profile)

"""`/profile`: every logged-in staff member's own settings, the language pages are shown in
(Dutch, English, or whatever the browser asks for) and the time zone times are shown and read
in (HUB_TIMEZONE unless chosen), the password (the current one needed; other sessions end) and
the open sessions (log out everywhere). Saved through the staff and session services;
CSRF-checked by the guard."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from aiohttp import web

from hub.domain.staff import STAFF
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.services.staff_sessions import MAX_PASSWORD_LENGTH, WrongPassword, session_id
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.form_input import Blank, Cut, PageForm, parse_form
from hub.web.ui.guard import SESSION, USER, staff_page
from hub.web.ui.render import redirect, render

LANGUAGE_CHOICES = (("", N_("The browser's language")), ("nl", "Nederlands"),
                    ("en", "English"))


class PreferencesForm(PageForm):
    """Blank means "not chosen": the browser's language, HUB_TIMEZONE."""

    language: Annotated[str | None, Cut(10), Blank] = None
    timezone: Annotated[str | None, Cut(64), Blank] = None


class PasswordForm(PageForm):
    current_password: Annotated[str, Cut(MAX_PASSWORD_LENGTH, strip=False)] = ""
    new_password: Annotated[str, Cut(MAX_PASSWORD_LENGTH + 1, strip=False)] = ""
    new_password_again: Annotated[str, Cut(MAX_PASSWORD_LENGTH + 1, strip=False)] = ""


async def _page(request: web.Request, *, error: str = "", status: int = 200,
                shown: PreferencesForm | None = None,
                password_error: str = "") -> web.Response:
    user = request[USER]
    return render(request, "ui/profile.html", {
        "title": N_("Your profile"), "nav": "profile", "error": error,
        "password_error": password_error,
        "sessions": await request.app[SERVICES].sessions.active(user.id),
        "this_session": session_id(request[SESSION].nonce),
        "notice": request.query.get("notice") == "saved",
        "password_changed": request.query.get("notice") == "password",
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


@staff_page(STAFF)
async def change_password(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, PasswordForm)
    try:
        await request.app[SERVICES].sessions.change_password(
            request[USER].id, current=form.current_password, new=form.new_password,
            repeated=form.new_password_again, keep_nonce=request[SESSION].nonce)
    except (InvalidInput, WrongPassword) as exc:
        return await _page(request, password_error=exc.message, status=exc.status)
    return redirect("/profile?notice=password#password")


def add_profile_routes(app: web.Application) -> None:
    app.router.add_get("/profile", profile_page)
    app.router.add_post("/profile", save_profile)
    app.router.add_post("/profile/password", change_password)

"""Admin password resets and ending a user's sessions (`/admin/users/{id}/reset`,
`/admin/users/{id}/sessions/end`), and the one-time link's page (`GET/POST /reset/{token}`).

The reset page is anonymous, like the log-in form: its CSRF token comes from a not-logged-in
session cookie. The link's token is only ever stored as a hash; a GET changes nothing."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web

from hub.domain.staff import ADMIN_ONLY
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.services.staff_sessions import MAX_PASSWORD_LENGTH, ResetLinkInvalid
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.admin_users import admin_context
from hub.web.ui.form_input import Cut, PageForm, parse_form
from hub.web.ui.guard import CODEC, USER, current_session, set_session_cookie, staff_page
from hub.web.ui.render import CONTEXT, redirect, render
from hub.web.ui.session import Session


class ResetForm(PageForm):
    new_password: Annotated[str, Cut(MAX_PASSWORD_LENGTH + 1, strip=False)] = ""
    new_password_again: Annotated[str, Cut(MAX_PASSWORD_LENGTH + 1, strip=False)] = ""
    csrf_token: str = ""


@staff_page(ADMIN_ONLY)
async def admin_reset_link(request: web.Request) -> web.StreamResponse:
    user_id = request.match_info["user_id"][:64]
    try:
        token = await request.app[SERVICES].sessions.issue_reset(
            user_id, acting_user_id=request[USER].id)
    except NotFound as exc:
        return await admin_context(request, status=404, error=exc.message)
    user = await request.app[SERVICES].staff.get_user(user_id)
    link = f"{request.app[SETTINGS].public_url}/reset/{token}"
    return await admin_context(request, reset=(user.email if user else user_id, link))


@staff_page(ADMIN_ONLY)
async def admin_end_sessions(request: web.Request) -> web.StreamResponse:
    await request.app[SERVICES].sessions.end_all(request.match_info["user_id"][:64])
    return redirect("/admin?notice=sessions-ended")


def _page(request: web.Request, session: Session, *, email: str = "", error: str = "",
          done: bool = False, status: int = 200) -> web.Response:
    request[CONTEXT] = {"user": None, "csrf_token": request.app[CODEC].csrf_token(session)}
    response = render(request, "ui/password_reset.html", {
        "title": N_("Choose a new password"), "email": email, "error": error, "done": done,
        "valid": bool(email) or done}, status=status)
    set_session_cookie(request, response, session)
    return response


def _anonymous(request: web.Request) -> Session:
    session = current_session(request)
    return session if session is not None and not session.logged_in else \
        request.app[CODEC].new()


async def reset_form(request: web.Request) -> web.StreamResponse:
    user = await request.app[SERVICES].sessions.reset_user(request.match_info["token"])
    if user is None:
        return _page(request, _anonymous(request), status=404, error=N_(
            "This link is used, expired or replaced by a newer one."))
    return _page(request, _anonymous(request), email=user.email)


async def reset_password(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await parse_form(request, ResetForm)
    session = current_session(request)
    sessions = request.app[SERVICES].sessions
    user = await sessions.reset_user(token)
    if session is None or session.logged_in or \
            not request.app[CODEC].csrf_matches(session, form.csrf_token):
        return _page(request, request.app[CODEC].new(), email=user.email if user else "",
                     status=403, error=N_(
                         "The form expired or came from elsewhere. Please try again."))
    try:
        await sessions.reset_password(token, new=form.new_password,
                                      repeated=form.new_password_again)
    except (InvalidInput, ResetLinkInvalid) as exc:
        return _page(request, session, email=user.email if user else "", error=exc.message,
                     status=exc.status)
    return _page(request, request.app[CODEC].new(), done=True)


def add_password_reset_routes(app: web.Application) -> None:
    app.router.add_post("/admin/users/{user_id}/reset", admin_reset_link)
    app.router.add_post("/admin/users/{user_id}/sessions/end", admin_end_sessions)
    app.router.add_get("/reset/{token}", reset_form)
    app.router.add_post("/reset/{token}", reset_password)

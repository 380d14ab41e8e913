"""`GET/POST /login`, `POST /logout`."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import unquote

from aiohttp import web

from hub.domain.staff import User
from hub.i18n import N_
from hub.services.staff import LoginLocked, LoginRefused
from hub.web.client import client_address
from hub.web.keys import SERVICES
from hub.web.ui.form_input import Cut, PageForm, parse_form
from hub.web.ui.guard import (
    CODEC,
    SESSION,
    USER,
    current_session,
    session_user,
    set_session_cookie,
)
from hub.web.ui.render import CONTEXT, redirect, render
from hub.web.ui.session import COOKIE, Session

MAX_FIELD = 320
MAX_NEXT = 2000


def _decoded(value: str) -> str:
    """Percent-decoded until stable (a later hop may decode again), at most a few layers."""
    for _ in range(4):
        once = unquote(value)
        if once == value:
            break
        value = once
    return value


def _local_path(value: str) -> bool:
    """A path on this site however a browser or URL library reads it: one leading slash,
    no backslash (browsers read it as a slash), no control or odd whitespace (URL parsers
    drop tab/CR/LF, so `/\t/host` becomes `//host`), no empty or dot segments."""
    if not value.startswith("/") or "\\" in value:
        return False
    if any(c != " " and unicodedata.category(c)[0] in "CZ" for c in value):
        return False
    path = value.split("?", 1)[0].split("#", 1)[0]
    segments = path.split("/")[1:]
    return not any(s in ("", ".", "..") for s in segments[:-1]) and segments[-1] not in (
        ".", "..")


class LoginForm(PageForm):
    email: Annotated[str, Cut(MAX_FIELD)] = ""
    password: Annotated[str, Cut(1024, strip=False)] = ""
    next: str = "/"
    csrf_token: str = ""


def safe_next(value: str | None) -> str:
    """Only a same-origin absolute path (never `//host`, a scheme, or anything that turns
    into one after decoding or normalising); anything else goes to `/`: no open redirect."""
    if not value or len(value) > MAX_NEXT:
        return "/"
    if not (_local_path(value) and _local_path(_decoded(value))):
        return "/"
    return value


def _form(request: web.Request, session: Session, *, status: int = 200, error: str = "",
          email: str = "", next_path: str = "/") -> web.Response:
    request[CONTEXT] = {"user": None, "csrf_token": request.app[CODEC].csrf_token(session)}
    response = render(request, "ui/login.html", {
        "title": N_("Log in"), "error": error, "email": email, "next": next_path}, status=status)
    set_session_cookie(request, response, session)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    session = current_session(request)
    if await session_user(request, session) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    if session is None or session.logged_in:
        session = request.app[CODEC].new()
    return _form(request, session, next_path=safe_next(request.query.get("next")))


async def login(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, LoginForm)
    next_path = safe_next(form.next)
    session = current_session(request)
    if session is None or not request.app[CODEC].csrf_matches(session, form.csrf_token):
        return _form(request, request.app[CODEC].new(), status=403, email=form.email,
                     next_path=next_path,
                     error=N_("The form expired or came from elsewhere. Please try again."))
    try:
        user = await request.app[SERVICES].staff.log_in(form.email, form.password,
                                                         client=client_address(request))
    except (LoginLocked, LoginRefused) as exc:
        return _form(request, session, status=exc.status, email=form.email,
                     next_path=next_path, error=exc.message)
    response = redirect(next_path)
    set_session_cookie(request, response, await start_session(request, user))
    return response


async def start_session(request: web.Request, user: User) -> Session:
    """A new logged-in session: a fresh nonce (so a fresh CSRF token) and its store record."""
    session = request.app[CODEC].new(user.id)
    await request.app[SERVICES].sessions.start(
        user, session.nonce, expires_at=datetime.fromtimestamp(session.expires, UTC),
        client=client_address(request), user_agent=request.headers.get("User-Agent", ""))
    return session


def logged_out(request: web.Request) -> web.Response:
    response = redirect("/login")
    response.del_cookie(COOKIE, path="/")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """Checked by the page guard (CSRF); ends this browser's session in the store, so a
    copy of the cookie stops working too."""
    await request.app[SERVICES].sessions.end(request[SESSION].nonce)
    return logged_out(request)


async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Checked by the page guard (CSRF); ends every session of this user, this one too."""
    await request.app[SERVICES].sessions.end_all(request[USER].id)
    return logged_out(request)

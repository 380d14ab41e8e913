"""Who is on a page: the session cookie's user, whose session must still be open in the store
(`SessionService.user_for`: logging out ends it server-side), checked on every page for role
and, on every state change, for the CSRF token."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from hub.domain.staff import StaffRole, User, may_use
from hub.i18n import N_
from hub.web.auth import PRINCIPAL, Principal
from hub.web.client import is_https
from hub.web.keys import SERVICES
from hub.web.ui.form_input import PageForm, parse_form
from hub.web.ui.render import CONTEXT, gettext
from hub.web.ui.session import COOKIE, Session, SessionCodec

CODEC = web.AppKey("ui_session_codec", SessionCodec)
USER = web.RequestKey("ui_user", User)
SESSION = web.RequestKey("ui_session", Session)
PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def set_session_cookie(request: web.Request, response: web.StreamResponse,
                       session: Session) -> None:
    secure = is_https(request)
    response.set_cookie(COOKIE, request.app[CODEC].encode(session), httponly=True,
                        samesite="Lax", secure=secure, path="/",
                        max_age=max(0, session.expires - int(time.time())))


def current_session(request: web.Request) -> Session | None:
    return request.app[CODEC].decode(request.cookies.get(COOKIE))


async def session_user(request: web.Request, session: Session | None) -> User | None:
    """The user of a logged-in session that is still open server-side, else None."""
    if session is None or not session.logged_in:
        return None
    return await request.app[SERVICES].sessions.user_for(session.user_id, session.nonce)


class CsrfForm(PageForm):
    csrf_token: str = ""


async def csrf_ok(request: web.Request, session: Session) -> bool:
    form = await parse_form(request, CsrfForm)
    return bool(form.csrf_token) and request.app[CODEC].csrf_matches(session, form.csrf_token)


def staff_page(roles: frozenset[StaffRole]) -> Callable[[PageHandler], PageHandler]:
    """Require a logged-in, enabled user with one of `roles` (admin passes everywhere); check
    the CSRF token on every POST."""

    def wrap(handler: PageHandler) -> PageHandler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = current_session(request)
            user = await session_user(request, session)
            if session is None or user is None:
                if request.method == "GET" and "text/event-stream" not in \
                        request.headers.get("Accept", ""):
                    raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
                raise web.HTTPUnauthorized(reason=N_("Your session has ended. Log in again."))
            request[USER] = user
            request[SESSION] = session
            request[PRINCIPAL] = Principal(kind="user", id=user.id, name=user.email,
                                           role=user.role)
            request[CONTEXT] = {"user": user,
                                "csrf_token": request.app[CODEC].csrf_token(session)}
            if not may_use(user.role, roles):
                raise web.HTTPForbidden(reason=gettext(
                    request, N_("Your role (%(role)s) cannot open this page."), role=user.role))
            if request.method == "POST" and not await csrf_ok(request, session):
                raise web.HTTPForbidden(reason=N_(
                    "The form's security token is missing or out of date. Go back, reload "
                    "the page and try again."))
            return await handler(request)

        return guarded

    return wrap

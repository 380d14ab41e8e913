"""Who is looking at a page, in which language and time zone (DESIGN §6, Languages).

Staff: the user's own `language` (and `timezone`), else the browser's `Accept-Language`, else
`HUB_DEFAULT_LANGUAGE`; times in `HUB_TIMEZONE` unless the user chose a zone. Customers on
public pages: the person's `language`, then the form's or survey's, then `Accept-Language`,
then the default (`public_language`). An unknown code anywhere just does not count.

`bind_request` (the first middleware `hub.web.app.create_app` installs) keeps the current
request in a context variable, so that the page environment's `_()`, `ngettext` and format
filters find the viewer however a page is rendered; a rendering outside a request reads in
the default language and zone."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.config import Settings
from hub.i18n import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, negotiate
from hub.i18n.catalogues import translations
from hub.i18n.text import Text, localise
from hub.web.keys import SETTINGS

_REQUEST: ContextVar[web.Request | None] = ContextVar("hub_request", default=None)


@dataclass(frozen=True, slots=True)
class Viewer:
    language: str = DEFAULT_LANGUAGE
    timezone: str = DEFAULT_TIMEZONE
    region: str = "NL"

    def gettext(self, message: str) -> str:
        """`message` in this viewer's language; a `Text` (a service's error, a skip
        reason) with its placeholders translated too."""
        if isinstance(message, Text):
            return localise(message, translations(self.language).gettext)
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.language).ngettext(singular, plural, n)


@web.middleware
async def bind_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = _REQUEST.set(request)
    try:
        return await handler(request)
    finally:
        _REQUEST.reset(token)


def _settings(request: web.Request | None) -> Settings | None:
    return request.app.get(SETTINGS) if request is not None else None


def viewer_of(request: web.Request | None, *, user: Any = None,
              languages: Iterable[str | None] = ()) -> Viewer:
    """The viewer of `request`: `user` (a staff `User`, or None) and `languages` (a public
    page's candidates, best first) before the browser and the settings."""
    settings = _settings(request)
    default = settings.default_language if settings else DEFAULT_LANGUAGE
    zone = settings.timezone if settings else DEFAULT_TIMEZONE
    accept = request.headers.get("Accept-Language") if request is not None else None
    language = negotiate([getattr(user, "language", None), *languages], accept, default)
    return Viewer(language=language, timezone=getattr(user, "timezone", None) or zone,
                  region=settings.default_region if settings else "NL")


def current_request() -> web.Request | None:
    """The request being handled (see `bind_request`), None outside one."""
    return _REQUEST.get()


def current_viewer(user: Any = None, language: str | None = None) -> Viewer:
    """The viewer of the request being handled (see `viewer_of`); `language` is one a public
    page already negotiated."""
    return viewer_of(_REQUEST.get(), user=user, languages=[language])


def public_viewer(request: web.Request, *languages: str | None) -> Viewer:
    """A customer's viewer: `languages` are the person's, then the form's or survey's."""
    return viewer_of(request, languages=languages)

"""Staff pages: rendered by the shared Jinja environment, each with a strict CSP (scripts and
styles only from /static/ on our origin, no inline script, no remote images unless asked)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.i18n import N_
from hub.web.locale import Viewer, current_request, viewer_of
from hub.web.templating import pages
from hub.web.ui.display import install_filters

UI_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'{images}; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
CONTEXT = web.RequestKey("ui_context", dict)


def csp(*, remote_images: bool = False) -> str:
    return UI_CSP.format(images=" https:" if remote_images else "")


def page_headers(*, remote_images: bool = False) -> dict[str, str]:
    return {"Content-Security-Policy": csp(remote_images=remote_images),
            "Cache-Control": "no-store", "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin"}


def render_html(app: web.Application, template: str, context: dict[str, Any]) -> str:
    env = pages(app)
    install_filters(env)
    return env.get_template(template).render(**context)


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200, remote_images: bool = False) -> web.Response:
    """A full page; `request[CONTEXT]` (the user, the CSRF token) is added to `context`."""
    merged = {"user": None, "csrf_token": "", "nav": "", **request.get(CONTEXT, {}),
              **(context or {})}
    html = render_html(request.app, template, merged)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                        headers=page_headers(remote_images=remote_images))


def fragment(request: web.Request, template: str, context: dict[str, Any]) -> web.Response:
    merged = {"user": None, "csrf_token": "", **request.get(CONTEXT, {}), **context}
    return web.Response(text=render_html(request.app, template, merged),
                        content_type="text/html", charset="utf-8", headers=page_headers())


def redirect(location: str) -> web.Response:
    """303 See Other (after a POST: the browser GETs the new page)."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def wants_html(request: web.Request) -> bool:
    """Pages answer errors in HTML; the API, webhooks and JSON clients keep JSON."""
    if request.path.startswith(("/api/", "/webhooks/", "/healthz")):
        return False
    accept = request.headers.get("Accept", "")
    return "text/html" in accept or request.path in UI_PREFIX_EXACT or \
        request.path.startswith(UI_PREFIXES)


MARKETING_PAGES = ("/segments", "/templates", "/campaigns", "/surveys", "/analytics", "/forms")
UI_PREFIX_EXACT = ("/", "/login", "/logout", "/search", "/outbox", "/quarantine", "/admin",
                   "/profile",
                   *MARKETING_PAGES)
UI_PREFIXES = ("/people/", "/households/", "/organisations/", "/static/", "/live/",
               "/quarantine/", "/admin/", *(f"{p}/" for p in MARKETING_PAGES),
               "/conversations/", "/inbox/")


ERROR_TITLES = {400: N_("Bad request"), 403: N_("Not allowed"), 404: N_("Not found"),
                405: N_("Not allowed"), 409: N_("Conflict"), 410: N_("Gone"),
                413: N_("Too large"), 422: N_("Check your input"),
                429: N_("Too many attempts")}
SOMETHING_WRONG = N_("Something went wrong")


def ui_viewer(request: web.Request) -> Viewer:
    """The staff member looking at this page (their language and zone, else the browser's,
    else the settings'); on a page before log-in, the browser's."""
    return viewer_of(request, user=request.get(CONTEXT, {}).get("user"))


def current_ui_viewer() -> Viewer:
    """`ui_viewer` of the request being handled (code that has no request at hand, such as
    form validation); outside a request, the default language."""
    request = current_request()
    return ui_viewer(request) if request is not None else Viewer()


def translate(message: str, **values: object) -> str:
    """`message` in the language of whoever is looking at the current request (see
    `current_ui_viewer`), named placeholders filled from `values`."""
    text = current_ui_viewer().gettext(message)
    return text % values if values else text


def gettext(request: web.Request, message: str, **values: object) -> str:
    """`message` (a msgid marked with `N_` where it is born) in the viewer's language, its
    named placeholders filled from `values`: `gettext(request, N_("Hi %(name)s"), name=n)`."""
    text = ui_viewer(request).gettext(message)
    return text % values if values else text


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """The error page; `title` and `message` are translated when the catalogue knows them
    (a text marked with `N_` where it was raised), else shown as they are."""
    title = ERROR_TITLES.get(status, SOMETHING_WRONG)
    return render(request, "ui/error.html", {"title": title, "message": message},
                  status=status)

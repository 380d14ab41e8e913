"""Staff pages: rendered by the shared Jinja environment, each with a strict CSP (scripts and
styles only from /static/ on our origin, no inline script, no remote images unless asked)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

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
                   *MARKETING_PAGES)
UI_PREFIXES = ("/people/", "/households/", "/organisations/", "/static/", "/live/",
               "/quarantine/", "/admin/", *(f"{p}/" for p in MARKETING_PAGES))


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    titles = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
              409: "Conflict", 410: "Gone", 413: "Too large", 422: "Check your input",
              429: "Too many attempts"}
    title = titles.get(status, "Something went wrong")
    return render(request, "ui/error.html", {"title": title, "message": message},
                  status=status)

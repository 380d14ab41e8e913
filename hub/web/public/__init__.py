"""Public pages, reached without a login: forms (`/f/`); surveys (`/s/`) and unsubscribe
(`/u/`) come later. Each sends its own Content-Security-Policy."""

from __future__ import annotations

from aiohttp import web

from channels.webforms import ClientBuckets
from hub.web.public.forms import FORM_LIMITER, preflight, show_form, submit_form
from hub.web.templating import pages


def add_public_form_routes(app: web.Application, *, limiter: ClientBuckets | None = None) -> None:
    """`GET/POST/OPTIONS /f/{slug}`, with one per-client rate limiter for the app."""
    pages(app)
    app[FORM_LIMITER] = limiter or ClientBuckets(burst=10, per_minute=10)
    app.router.add_get("/f/{slug}", show_form, allow_head=True)
    app.router.add_post("/f/{slug}", submit_form)
    app.router.add_route("OPTIONS", "/f/{slug}", preflight)

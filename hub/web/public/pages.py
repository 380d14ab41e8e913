"""Answering public visitors: an HTML page with its own Content-Security-Policy (styles by
nonce, no script at all), or JSON for API clients. Each page is in the visitor's language
(`hub.web.locale.public_viewer`), the same one its handler translated its messages into."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from hub.web.errors import error_response
from hub.web.locale import Viewer, public_viewer
from hub.web.templating import pages


def wants_json(request: web.Request) -> bool:
    """JSON for JSON posts and for clients that ask for JSON but not HTML."""
    if request.content_type == "application/json" and request.method == "POST":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def page_csp(nonce: str, *, form_targets: Iterable[str] = (),
             frame_ancestors: Iterable[str] = ()) -> str:
    targets = " ".join(["'self'", *form_targets])
    ancestors = " ".join(frame_ancestors) or "'none'"
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; "
            f"form-action {targets}; frame-ancestors {ancestors}; base-uri 'none'")


def render(
    request: web.Request, template: str, context: dict[str, Any], *, viewer: Viewer,
    status: int = 200, form_targets: Iterable[str] = (), frame_ancestors: Iterable[str] = (),
    headers: dict[str, str] | None = None,
) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    html = pages(request.app).get_template(template).render(
        **context, csp_nonce=nonce, page_language=viewer.language)
    response = web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)
    response.headers["Content-Security-Policy"] = page_csp(
        nonce, form_targets=form_targets, frame_ancestors=frame_ancestors)
    return response


def problem(request: web.Request, status: int, code: str, heading: str, message: str, *,
            viewer: Viewer | None = None, headers: dict[str, str] | None = None
            ) -> web.Response:
    """An error for a visitor: a short page for browsers, the API error shape for clients.
    `heading` and `message` are already in the `viewer`'s language (by default the
    browser's); the API's `code` stays a stable English identifier."""
    if wants_json(request):
        return error_response(status, code, message, headers=headers)
    return render(request, "public/error.html",
                  {"title": heading, "heading": heading, "message": message},
                  viewer=viewer or public_viewer(request), status=status, headers=headers)


def link_not_valid(request: web.Request, template: str, texts: dict[str, str]) -> web.Response:
    """A 404 page for an unknown or expired personal link, in the browser's language
    (`texts`: msgids for `title`, `heading`, `message`)."""
    viewer = public_viewer(request)
    translated = {key: viewer.gettext(text) for key, text in texts.items()}
    return render(request, template, {**translated, "confirm": False}, viewer=viewer,
                  status=404)

"""One place where errors become HTTP: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.errors import HubError, Moved
from hub.i18n import N_, accepted
from hub.i18n.catalogues import translations
from hub.i18n.text import localise

log = logging.getLogger("hub.web")

HtmlErrorPage = Callable[[web.Request, int, str], "web.Response | None"]
HTML_ERROR_PAGE: web.AppKey[HtmlErrorPage] = web.AppKey("html_error_page")
"""Set by the staff UI: an HTML error page for browser requests to pages (None: JSON)."""

HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type"}


def _page(request: web.Request, status: int, message: str) -> web.Response | None:
    render = request.app.get(HTML_ERROR_PAGE)
    return render(request, status, message) if render is not None else None


def api_message(request: web.Request, message: str) -> str:
    """An API error's `message` in the first language of the request's `Accept-Language`
    that Hub speaks; English without one (the `code` stays the same in every language)."""
    languages = accepted(request.headers.get("Accept-Language"))
    return localise(message, translations(languages[0]).gettext) if languages else message


def error_response(status: int, code: str, message: str, details: object = None,
                   headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return web.json_response(body, status=status, headers=headers)


def _moved(request: web.Request, exc: Moved) -> web.Response:
    old = request.match_info.get("person_id", "")
    location = request.path.replace(f"/{old}", f"/{exc.survivor_id}", 1)
    if request.query_string:
        location += "?" + request.query_string
    return error_response(308, exc.code, exc.message, exc.details, headers={"Location": location})


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Moved as exc:
        return _moved(request, exc)
    except HubError as exc:
        status = exc.status
        if status >= 500:
            log.error("request failed: %s %s: %s", request.method, request.path, exc.code)
        return _page(request, status, exc.message) or error_response(
            status, exc.code, api_message(request, exc.message), exc.details)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, HTTPStatus(exc.status).phrase.lower().replace(" ", "_"))
        headers = {k: v for k, v in exc.headers.items() if k in ("WWW-Authenticate", "Allow")}
        message = exc.text if exc.status == 413 and exc.text else exc.reason
        page = _page(request, exc.status, message)
        if page is not None:
            page.headers.update(headers)
            return page
        return error_response(exc.status, code, message, headers=headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(request, 500, N_("Something went wrong; it has been logged.")) or \
            error_response(500, "internal", "internal error; it has been logged")

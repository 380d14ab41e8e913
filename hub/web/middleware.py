"""Request logging and security headers."""

from __future__ import annotations

import functools
import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import Histogram

from hub.metrics import REQUEST_SECONDS
from hub.web.auth import PRINCIPAL
from hub.web.client import client_address

log = logging.getLogger("hub.http")

API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def request_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request: route pattern (never the query, which may hold an address)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # a redirect or refusal raised: its status, not a 500
        status = exc.status
        raise
    finally:
        elapsed = time.perf_counter() - started
        resource = request.match_info.route.resource
        if log.isEnabledFor(logging.INFO):  # the line's fields cost more than the check
            principal = request.get(PRINCIPAL)
            log.info("request", extra={
                "method": request.method,
                "route": resource.canonical if resource is not None else "-",
                "status": status,
                "ms": round(elapsed * 1000, 1),
                "caller": principal.name if principal else "-",
                "client": client_address(request),
            })
        _request_seconds(_area(request.path, resource is not None),
                         f"{status // 100}xx").observe(elapsed)


@functools.lru_cache(maxsize=256)
def _request_seconds(area: str, status: str) -> Histogram:
    """The histogram's child for one (area, status class): `labels()` takes a lock and
    builds its key on every call, a few microseconds of each request."""
    return REQUEST_SECONDS.labels(area, status)


def _area(path: str, routed: bool) -> str:
    """The path's first segment for a known route (few values, no ids or addresses)."""
    return path.split("/", 2)[1] or "root" if routed else "unrouted"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    for name, value in API_HEADERS.items():
        response.headers.setdefault(name, value)
    return response

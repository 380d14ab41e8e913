"""Each error kind carries its HTTP status; the one error middleware answers with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.errors import (
    ConfigError,
    Conflict,
    DuplicateKey,
    Gone,
    HubError,
    InvalidInput,
    NotFound,
    StoreUnavailable,
)
from hub.services.paging import InvalidCursor
from hub.web.api.routing import InvalidJson
from hub.web.errors import error_middleware


class Teapot(InvalidInput):
    code = "teapot"
    status = 418


RAISED: dict[str, HubError] = {
    "invalid": InvalidInput("bad"), "json": InvalidJson("not json"),
    "cursor": InvalidCursor("damaged"), "missing": NotFound("none"), "gone": Gone("erased"),
    "clash": Conflict("taken"), "duplicate": DuplicateKey("twice"),
    "down": StoreUnavailable("later"), "config": ConfigError("HUB_X", "missing"),
    "teapot": Teapot("short and stout"),
}
EXPECTED = {"invalid": 422, "json": 400, "cursor": 400, "missing": 404, "gone": 410,
            "clash": 409, "duplicate": 409, "down": 503, "config": 500, "teapot": 418}


async def _raise(request: web.Request) -> web.Response:
    raise RAISED[request.match_info["kind"]]


@pytest.mark.parametrize("kind", sorted(RAISED))
async def test_the_middleware_answers_with_the_errors_own_status(
        kind: str, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/api/v1/raise/{kind}", _raise)
    client = await aiohttp_client(app)
    response = await client.get(f"/api/v1/raise/{kind}")
    assert response.status == EXPECTED[kind] == RAISED[kind].status
    body = await response.json()
    assert body["error"]["code"] == RAISED[kind].code

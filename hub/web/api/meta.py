"""The API's description of itself."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import OPENAPI

routes = ApiRoutes()


@routes.route("GET", "/openapi.json", roles=None, answer=Answer("the OpenAPI 3.1 document"),
              summary="This API, described")
async def openapi(request: web.Request) -> Any:
    return request.app[OPENAPI]

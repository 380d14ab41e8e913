"""Transactions (marketing): revenue that feeds the customer pyramid."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.staff import MARKETING
from hub.services.revenue import TransactionInput
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import SERVICES

routes = ApiRoutes()


@routes.route("POST", "/transactions", roles=MARKETING, body=list[TransactionInput],
              answer=Answer('{"imported": n, "duplicates": n}'),
              summary="Record transactions in bulk; idempotent on external_id")
async def post_transactions(request: web.Request, body: list[TransactionInput]) -> Any:
    counts = await request.app[SERVICES].transactions.record(body)
    return {"imported": counts.imported, "duplicates": counts.duplicates}

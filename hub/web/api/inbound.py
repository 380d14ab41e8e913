"""Inbound mail from an MTA pipe, and the quarantine of what could not be stored."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from channels.email.ingest import EmailIngest, quarantine_json
from hub.domain.quarantine import QuarantineStatus
from hub.domain.staff import SERVICE
from hub.errors import InvalidInput
from hub.services.paging import DEFAULT_LIMIT, MAX_LIMIT
from hub.web.api.routing import Answer, ApiRoutes, UnsupportedMediaType
from hub.web.keys import SERVICES, SETTINGS

routes = ApiRoutes()
RAW_MAIL_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


def email_ingest(request: web.Request) -> EmailIngest:
    return EmailIngest(request.app[SERVICES].inbox,
                       attachment_limit=request.app[SETTINGS].email_attachment_limit)


@routes.route("POST", "/inbound/email", roles=SERVICE, status=202,
              answer=Answer('{"kind": "event"|"quarantine", "created": bool, "event": {...}} '
                            'or {..., "quarantine": {"id", "source", "reason", ...}}'),
              summary="Store one raw RFC 822 message (an MTA pipe); body: message/rfc822")
async def post_inbound_email(request: web.Request) -> Any:
    if request.content_type not in RAW_MAIL_TYPES:
        raise UnsupportedMediaType(reason="send the raw message as message/rfc822")
    raw = await request.read()  # aiohttp answers 413 beyond HUB_MAX_BODY_BYTES
    if not raw.strip():
        raise InvalidInput("the body is empty; send one raw RFC 822 message")
    result = await email_ingest(request).ingest(raw, source="mta")
    return result.to_json()


class QuarantineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$")
    status: QuarantineStatus | None = None


@routes.route("GET", "/quarantine", roles=SERVICE, query=QuarantineQuery,
              answer=Answer('{"items": [{"id", "source", "reason", "received_at", "size", '
                            '"status", "attempts", "event_id"}], "next_cursor"}'),
              summary="Inbound input that could not be stored, oldest first")
async def list_quarantine(request: web.Request, query: QuarantineQuery) -> Any:
    entries = await request.app[SERVICES].inbox.quarantine_entries(
        status=query.status, limit=query.limit, after_id=query.cursor)
    next_cursor = entries[-1].id if len(entries) == query.limit else None
    return {"items": [quarantine_json(e) for e in entries], "next_cursor": next_cursor}


@routes.route("POST", "/quarantine/{entry_id}/retry", roles=SERVICE,
              answer=Answer('the same shape as POST /inbound/email: the stored event, or the '
                            'entry again with its new reason'),
              summary="Process a quarantined message again (after a fix)")
async def retry_quarantine(request: web.Request) -> Any:
    entry = await request.app[SERVICES].inbox.retryable(request.match_info["entry_id"])
    result = await email_ingest(request).retry(entry.id)
    return result.to_json()

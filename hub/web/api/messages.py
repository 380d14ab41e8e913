"""One-to-one messages from staff to a person, on the right channel."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.events import Event
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.auth import PRINCIPAL, SERVICE
from hub.web.keys import SERVICES

routes = ApiRoutes()


class MessageInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["email", "sms"] | None = None
    subject: str | None = Field(default=None, max_length=998)
    text: str = Field(min_length=1, max_length=100_000)
    html: str | None = Field(default=None, max_length=1_000_000)


@routes.route("POST", "/persons/{person_id}/messages", roles=SERVICE, body=MessageInput,
              status=202, answer=Answer("the outbound event with its send status", Event),
              summary="Send a message on the given channel, or the person's preferred one")
async def send_message(request: web.Request, body: MessageInput) -> Any:
    event = await request.app[SERVICES].messaging.send_to_person(
        request.match_info["person_id"], channel=body.channel, subject=body.subject,
        text=body.text, html=body.html, author=request[PRINCIPAL].name)
    return event.to_json()

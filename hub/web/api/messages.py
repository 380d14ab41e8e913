"""One-to-one messages from staff to a person, on the right channel."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.domain.channels import SendableChannel
from hub.domain.events import Event
from hub.domain.staff import SERVICE
from hub.errors import InvalidInput
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.auth import PRINCIPAL
from hub.web.keys import CAMPAIGNS, SERVICES

routes = ApiRoutes()


class MessageInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: SendableChannel | None = None
    subject: str | None = Field(default=None, max_length=998)
    text: str | None = Field(default=None, min_length=1, max_length=100_000)
    html: str | None = Field(default=None, max_length=1_000_000)
    template_id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _text_or_template(self) -> MessageInput:
        if (self.text is None) == (self.template_id is None):
            raise ValueError("give either text or template_id")
        if self.template_id is not None and (self.subject is not None or self.html is not None):
            raise ValueError("subject and html come from the template; leave them out")
        return self


@routes.route("POST", "/persons/{person_id}/messages", roles=SERVICE, body=MessageInput,
              status=202, answer=Answer("the outbound event with its send status", Event),
              summary="Send a message on the given channel, or the person's preferred one; "
                      "`template_id` instead of `text` renders a stored template for the person")
async def send_message(request: web.Request, body: MessageInput) -> Any:
    """A service message: marketing consent never blocks it (an SMS STOP still does)."""
    person_id = request.match_info["person_id"]
    channel, subject, text, html = body.channel, body.subject, body.text, body.html
    if body.template_id is not None:
        template, rendered = await request.app[CAMPAIGNS].templates.render_for(
            body.template_id, person_id)
        if channel is not None and channel != template.channel:
            raise InvalidInput(f"template {template.id} is for {template.channel}, "
                               f"not {channel}", details={"field": "channel"})
        if not rendered.text.strip():
            raise InvalidInput("the template renders an empty message for this person",
                               details={"field": "template_id"})
        channel, subject, text, html = (template.channel, rendered.subject, rendered.text,
                                        rendered.html)
    event = await request.app[SERVICES].messaging.send_to_person(
        person_id, channel=channel, subject=subject, text=text or "", html=html,
        author=request[PRINCIPAL].name)
    return event.to_json()

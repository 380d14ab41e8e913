"""Message templates: write and preview for a person (marketing)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.campaigns import ContentSids, ContentVariables, MessageTemplate
from hub.domain.channels import SendableChannel
from hub.domain.common import new_id
from hub.domain.staff import MARKETING
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import CAMPAIGNS

routes = ApiRoutes()


class TemplateInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    channel: SendableChannel
    subject: str | None = Field(default=None, max_length=2000)
    body: str = Field(max_length=100_000)
    html: str | None = Field(default=None, max_length=500_000)
    content_sids: ContentSids = Field(default_factory=dict, max_length=20)
    content_variables: ContentVariables = Field(default_factory=dict, max_length=20)


class PreviewInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str = Field(min_length=1, max_length=64)


@routes.route("POST", "/templates", roles=MARKETING, body=TemplateInput, status=201,
              answer=Answer("the template", MessageTemplate),
              summary="Save a template (Jinja2, sandboxed); errors carry part and line. "
              "WhatsApp: `content_sids` per language (approved Twilio Content SIDs, HX…) and "
              "`content_variables` (`{\"1\": \"{{ person.first_name }}\"}`) register an "
              "approved template, sent outside the 24-hour window")
async def create_template(request: web.Request, body: TemplateInput) -> Any:
    template = MessageTemplate(id=new_id(), **body.model_dump())
    return (await request.app[CAMPAIGNS].templates.create(template)).to_json()


@routes.route("GET", "/templates/{template_id}", roles=MARKETING,
              answer=Answer("the template", MessageTemplate), summary="One template")
async def get_template(request: web.Request) -> Any:
    template = await request.app[CAMPAIGNS].templates.get(request.match_info["template_id"])
    return template.to_json()


@routes.route("POST", "/templates/{template_id}/preview", roles=MARKETING, body=PreviewInput,
              answer=Answer('{"subject", "text", "html"} (SMS: and "sms": segments)'),
              summary="Render a template for one person (undefined names are errors)")
async def preview_template(request: web.Request, body: PreviewInput) -> Any:
    return await request.app[CAMPAIGNS].templates.preview(request.match_info["template_id"],
                                                          body.person_id)

"""Topics (marketing): the subjects campaigns are about; persons opt out of them in the
preference centre (`/p/{token}`), and a campaign on a topic skips those who did."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.staff import MARKETING
from hub.domain.topics import Topic
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import CAMPAIGNS

routes = ApiRoutes()


class TopicInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)


@routes.route("GET", "/topics", roles=MARKETING, answer=Answer('{"items": [topic...]}'),
              summary="The topics campaigns can pick (and persons opt out of)")
async def list_topics(request: web.Request) -> Any:
    return {"items": [t.to_json() for t in await request.app[CAMPAIGNS].topics.all()]}


@routes.route("POST", "/topics", roles=MARKETING, body=TopicInput, status=201,
              answer=Answer("the new topic", Topic),
              summary="Add a topic; 409 when one with that name exists")
async def create_topic(request: web.Request, body: TopicInput) -> Any:
    topic = await request.app[CAMPAIGNS].topics.create(body.name, body.description)
    return topic.to_json()

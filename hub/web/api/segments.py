"""Segments: define, count and sample (marketing)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.campaigns import Segment
from hub.domain.staff import MARKETING
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import CAMPAIGNS

routes = ApiRoutes()
PREVIEW = Answer('{"count": n, "sample": [person summaries]}')


class SegmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    filter: dict[str, Any]


class PreviewInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filter: dict[str, Any] = Field(default_factory=dict)


@routes.route("POST", "/segments", roles=MARKETING, body=SegmentInput, status=201,
              answer=Answer("the saved segment", Segment), summary="Save a segment (dynamic)")
async def create_segment(request: web.Request, body: SegmentInput) -> Any:
    segment = await request.app[CAMPAIGNS].segments.create(body.name, body.filter)
    return segment.to_json()


@routes.route("GET", "/segments/fields", roles=MARKETING, answer=Answer("the known fields"),
              summary="The fields and ops a segment filter may use")
async def segment_fields(request: web.Request) -> Any:
    return {"fields": request.app[CAMPAIGNS].segments.fields()}


@routes.route("POST", "/segments/preview", roles=MARKETING, body=PreviewInput, answer=PREVIEW,
              summary="Count and sample the persons a filter matches; 422 "
                      "filter_too_expensive when it runs past HUB_SEGMENT_BUDGET_SECONDS")
async def preview_filter(request: web.Request, body: PreviewInput) -> Any:
    return await request.app[CAMPAIGNS].segments.preview(body.filter)


@routes.route("GET", "/segments/{segment_id}", roles=MARKETING,
              answer=Answer("the segment", Segment), summary="One saved segment")
async def get_segment(request: web.Request) -> Any:
    segment = await request.app[CAMPAIGNS].segments.get(request.match_info["segment_id"])
    return segment.to_json()


@routes.route("GET", "/segments/{segment_id}/preview", roles=MARKETING, answer=PREVIEW,
              summary="Count and sample a saved segment, evaluated now (and kept as its last "
                      "count); 422 filter_too_expensive past the time budget")
async def preview_segment(request: web.Request) -> Any:
    return await request.app[CAMPAIGNS].segments.preview_saved(request.match_info["segment_id"])

"""Query-string models shared by list routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.events import EventChannel
from hub.services.paging import DEFAULT_LIMIT, MAX_LIMIT


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class SearchQuery(PageQuery):
    q: str | None = Field(default=None, max_length=200)


class TimelineParams(PageQuery):
    channel: EventChannel | None = None

"""Analytics (marketing): the customer pyramid, the migration matrix and the KPIs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns.analytics import TierBounds
from hub.domain.common import UtcDateTime, utcnow
from hub.domain.staff import MARKETING
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import CAMPAIGNS, SURVEYS

routes = ApiRoutes()
LevelName = Literal["person", "household", "organisation"]


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    level: LevelName = "person"
    top: float = Field(default=0.01, ge=0, le=1, description="share of customers in top")
    large: float = Field(default=0.04, ge=0, le=1)
    medium: float = Field(default=0.15, ge=0, le=1)

    def bounds(self) -> TierBounds:
        return TierBounds(top=self.top, large=self.large, medium=self.medium)


class PyramidQuery(Bounds):
    start: UtcDateTime | None = Field(default=None, alias="from",
                                      description="default: 365 days before `to`")
    end: UtcDateTime | None = Field(default=None, alias="to", description="default: now")


class MigrationQuery(Bounds):
    from1: UtcDateTime
    to1: UtcDateTime
    from2: UtcDateTime
    to2: UtcDateTime


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: UtcDateTime | None = Field(default=None, alias="from",
                                      description="default: 30 days before `to`")
    end: UtcDateTime | None = Field(default=None, alias="to", description="default: now")
    segment_id: str | None = Field(default=None, max_length=100)


def period(start: datetime | None, end: datetime | None, days: int) -> tuple[datetime, datetime]:
    end = end or utcnow()
    return start or end - timedelta(days=days), end


@routes.route("GET", "/analytics/pyramid", roles=MARKETING, query=PyramidQuery,
              answer=Answer('{"customers": n, "revenue": x, "top20_share": 0..1, "tiers": '
                            '[{"tier", "customers", "revenue", "share"}]}'),
              summary="Customer pyramid: customers ranked by revenue in [from, to)")
async def pyramid(request: web.Request, query: PyramidQuery) -> Any:
    start, end = period(query.start, query.end, 365)
    return await request.app[SURVEYS].analytics.pyramid(start, end, level=query.level,
                                                        bounds=query.bounds())


@routes.route("GET", "/analytics/migration", roles=MARKETING, query=MigrationQuery,
              answer=Answer('{"matrix": {tier: {tier: n}}, "acquired", "retained", "lost", '
                            '"upgraded", "downgraded", "retention_rate"}'),
              summary="Migration matrix: how customers moved between tiers of two periods")
async def migration(request: web.Request, query: MigrationQuery) -> Any:
    return await request.app[SURVEYS].analytics.migration(
        (query.from1, query.to1), (query.from2, query.to2), level=query.level,
        bounds=query.bounds())


@routes.route("GET", "/analytics/kpis", roles=MARKETING, query=KpiQuery,
              answer=Answer('{"calls": {"count", "avg_duration_s", "avg_wait_s", "per_agent"}, '
                            '"messages", "first_response_s", "campaigns", "surveys", '
                            '"consent_changes"}'),
              summary="KPIs of a period: calls, messages, response time, campaigns, surveys")
async def kpis(request: web.Request, query: KpiQuery) -> Any:
    start, end = period(query.start, query.end, 30)
    kit = request.app[SURVEYS]
    campaigns = await kit.analytics.campaign_figures(start, end,
                                                     request.app[CAMPAIGNS].campaigns)
    surveys = await kit.surveys.summary(start, end, segment_id=query.segment_id)
    return await kit.analytics.kpis(start, end, campaigns=campaigns, surveys=surveys)

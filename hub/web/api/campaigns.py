"""Campaigns: create, launch, pause, resume, cancel and watch (marketing)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.campaign_ab import CampaignAbTest
from hub.domain.campaigns import Campaign
from hub.domain.channels import (
    CHANNEL_CHOICES,
    ChannelChoice,
    SendableChannel,
    every_channel_choice,
)
from hub.domain.common import new_id
from hub.domain.staff import MARKETING
from hub.errors import InvalidInput, NotFound
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import CAMPAIGNS

routes = ApiRoutes()
WITH_STATS = Answer("the campaign with `stats{audience, queued, sent, delivered, failed, "
                    "skipped, unknown, replied, opted_out, responses, language_fallbacks}` "
                    "(`language_fallbacks`: sent in the campaign's `language` because it has "
                    "no template in the recipient's)")



class CampaignInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["message", "survey"] = "message"
    segment_id: str | None = Field(default=None, max_length=64)
    filter: dict[str, Any] | None = None
    channels: list[ChannelChoice] = Field(
        default_factory=every_channel_choice, min_length=1,
        max_length=len(CHANNEL_CHOICES))
    templates: dict[SendableChannel, str] = Field(default_factory=dict)
    # the language of `templates` (absent or unknown: HUB_DEFAULT_LANGUAGE), and templates in
    # other languages, e.g. {"en": {"email": "…"}}; a recipient gets their language's
    language: str | None = Field(default=None, max_length=35)
    language_templates: dict[str, dict[SendableChannel, str]] = Field(
        default_factory=dict, max_length=20)
    survey_id: str | None = None
    send_at: datetime | None = None
    rate_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    require_opt_in: bool = Field(default=True, description=(
        "only persons who opted in on the channel (default); false also reaches `unknown`"))
    one_per_household: bool = False
    topic_id: str | None = Field(default=None, max_length=64)
    warmup: list[Annotated[int, Field(ge=1, le=10_000_000)]] | None = Field(
        default=None, min_length=1, max_length=60, description=(
            "warm-up for a new sending domain: at most warmup[d] messages on day d after the "
            "launch, e.g. [200, 500, 1000, 2000]; later days unlimited"))
    ab: CampaignAbTest | None = Field(default=None, description=(
        "an A/B test: 2 to 5 `variants` (keyed A, B, …; each may set its own `templates` per "
        "channel, `subject`, `sender_name` (email) or `send_at`), the `test_share` percent of "
        "the audience that gets them, the `metric` (replies, conversion = the `conversion` "
        "event within `window_days`, survey_score ≥ `score_min`), `decide_after_hours` "
        "after the launch, and the `confidence`; the rest then gets the winner (A when none "
        "is proven better)"))


@routes.route("POST", "/campaigns", roles=MARKETING, body=CampaignInput, status=201,
              answer=Answer("the draft campaign", Campaign), summary="Create a draft campaign")
async def create_campaign(request: web.Request, body: CampaignInput) -> Any:
    fields = body.model_dump()
    fields["channels"] = list(dict.fromkeys(fields["channels"]))
    campaign = await request.app[CAMPAIGNS].campaigns.create(Campaign(id=new_id(), **fields))
    return campaign.to_json()


class ReachInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    segment_id: str | None = Field(default=None, max_length=64)
    filter: dict[str, Any] | None = None
    channels: list[ChannelChoice] = Field(
        default_factory=every_channel_choice, min_length=1,
        max_length=len(CHANNEL_CHOICES))
    template_channels: list[SendableChannel] | None = None
    require_opt_in: bool = True
    templates: dict[SendableChannel, str] | None = None  # those chosen: approved ones count


@routes.route("POST", "/campaigns/reach", roles=MARKETING, body=ReachInput,
              answer=Answer('{"audience", "examined", "capped", "by_channel", "skipped", '
                            '"skipped_by_reason"}'),
              summary="Forecast who each channel would reach, and who would be skipped and why "
                      "(`template_channels`: the channels with a template; absent: all; "
                      "`templates`: channel → template id, so a WhatsApp template with an "
                      "approved content template counts outside the 24-hour window)")
async def forecast_reach(request: web.Request, body: ReachInput) -> Any:
    if (body.segment_id is None) == (body.filter is None):
        raise InvalidInput("give either segment_id or filter", details={"field": "filter"})
    reach = await request.app[CAMPAIGNS].campaigns.reach(
        segment_id=body.segment_id, filter_=body.filter, channels=body.channels,
        require_opt_in=body.require_opt_in, template_channels=body.template_channels,
        templates={str(c): t for c, t in (body.templates or {}).items()})
    return reach.to_json()


@routes.route("GET", "/campaigns/{campaign_id}", roles=MARKETING, answer=WITH_STATS,
              summary="A campaign with its live stats and progress")
async def get_campaign(request: web.Request) -> Any:
    return await request.app[CAMPAIGNS].campaigns.describe(request.match_info["campaign_id"])


def _action(name: str) -> None:
    async def act(request: web.Request) -> Any:
        service = request.app[CAMPAIGNS].campaigns
        campaign_id = request.match_info["campaign_id"]
        await getattr(service, name)(campaign_id)
        return await service.describe(campaign_id)

    act.__name__ = f"{name}_campaign"
    routes.route("POST", f"/campaigns/{{campaign_id}}/{name}", roles=MARKETING,
                 answer=WITH_STATS, summary=f"{name.capitalize()} the campaign")(act)


class LaunchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template_failures: Literal["skip"] | None = Field(default=None, description=(
        "skip: launch although the preflight found persons the templates fail for (their "
        "deliveries are skipped with the reason); without it such a launch is a 409"))


@routes.route("POST", "/campaigns/{campaign_id}/launch", roles=MARKETING, query=LaunchQuery,
              answer=WITH_STATS, summary="Launch the campaign (409 when its preflight found "
                                         "template failures and template_failures is not skip)")
async def launch_campaign(request: web.Request, query: LaunchQuery) -> Any:
    service = request.app[CAMPAIGNS].campaigns
    campaign_id = request.match_info["campaign_id"]
    await service.launch(campaign_id, template_failures=query.template_failures)
    return await service.describe(campaign_id)


PREFLIGHT = Answer('{"state": "running/done/failed", "mode": "every/shapes", "total", '
                   '"examined", "rendered", "failed", "progress": 0..1, "stale": bool, '
                   '"failures": [{"person_id", "name", "channel", "part", "line", "message", '
                   '"persons"}]}')


@routes.route("POST", "/campaigns/{campaign_id}/preflight", roles=MARKETING, status=202,
              answer=PREFLIGHT, summary="Render the templates for the whole audience in the "
                                        "background (beyond HUB_PREFLIGHT_FULL_LIMIT: per "
                                        "shape of the variables)")
async def start_preflight(request: web.Request) -> Any:
    return await request.app[CAMPAIGNS].campaigns.start_preflight(
        request.match_info["campaign_id"])


@routes.route("GET", "/campaigns/{campaign_id}/preflight", roles=MARKETING, answer=PREFLIGHT,
              summary="The campaign's last preflight and its progress")
async def get_preflight(request: web.Request) -> Any:
    service = request.app[CAMPAIGNS].campaigns
    state = await service.preflight(await service.get(request.match_info["campaign_id"]))
    if state is None:
        raise NotFound("no preflight yet: POST to start one")
    return state


for _name in ("pause", "resume", "cancel"):
    _action(_name)


AB = Answer('{"metric", "test_share", "decided", "decide_at", "winner", "leading", "p_value", '
            '"confidence", "variants": [{"key", "sent", "successes", "rate", "subject", '
            '"sender_name", "templates", "send_at"}]}')


@routes.route("GET", "/campaigns/{campaign_id}/ab", roles=MARKETING, answer=AB,
              summary="The campaign's A/B test: figures per variant, the leading variant "
                      "with its two-sided p-value (Bonferroni-corrected against the "
                      "confidence), and the winner once decided (404 without a test)")
async def campaign_ab(request: web.Request) -> Any:
    return await request.app[CAMPAIGNS].campaigns.ab_results(request.match_info["campaign_id"])

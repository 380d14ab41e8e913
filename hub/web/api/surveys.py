"""Surveys (marketing): define NPS/CSAT surveys, read their results, and switch the event
triggers that send them; service staff record a score given during a call."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.channels import SendableChannel, every_channel_choice
from hub.domain.common import UtcDateTime, new_id
from hub.domain.staff import MARKETING, SERVICE, STAFF
from hub.domain.surveys import Survey, SurveyTexts, TriggerChannel, TriggerRule
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.auth import PRINCIPAL
from hub.web.keys import SURVEYS

routes = ApiRoutes()
Language = Field(default="en", min_length=2, max_length=10, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")


class SurveyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["nps", "csat"]
    question: str = Field(min_length=1, max_length=1000)
    follow_up: str | None = Field(default=None, max_length=1000)
    thank_you: str | None = Field(default=None, max_length=1000)
    language: str = Language
    translations: dict[str, SurveyTexts] = Field(default_factory=dict, max_length=20)


class ResultsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    segment_id: str | None = Field(default=None, max_length=100)
    channel: Literal["link", "sms", "email", "call", "whatsapp"] | None = None
    start: UtcDateTime | None = Field(default=None, alias="from")
    end: UtcDateTime | None = Field(default=None, alias="to")


class CallScoreInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str = Field(min_length=1, max_length=100)
    score: int
    comment: str | None = Field(default=None, max_length=2000)
    call_id: str | None = Field(default=None, max_length=100,
                                description="the call event the score was given in")


class TriggerInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    survey_id: str = Field(min_length=1, max_length=100)
    event_channel: Literal["call"] | SendableChannel = "call"
    outcome: str | None = Field(default=None, max_length=40)
    direction: Literal["inbound", "outbound"] | None = None
    delay_minutes: int = Field(default=120, ge=0, le=60 * 24 * 30)
    cap_days: int = Field(default=30, ge=0, le=3650)
    channels: list[TriggerChannel] = Field(default_factory=every_channel_choice, min_length=1,
                                           max_length=3)
    templates: dict[SendableChannel, str] = Field(default_factory=dict)
    enabled: bool = True


class SwitchInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


@routes.route("POST", "/surveys", roles=MARKETING, body=SurveyInput, status=201,
              answer=Answer("the survey", Survey), summary="Define an NPS or CSAT survey")
async def create_survey(request: web.Request, body: SurveyInput) -> Any:
    survey = Survey(id=new_id(), **body.model_dump())
    return (await request.app[SURVEYS].surveys.create(survey)).to_json()


@routes.route("GET", "/surveys", roles=STAFF, answer=Answer('{"items": [survey...]}'),
              summary="The surveys")
async def list_surveys(request: web.Request) -> Any:
    return {"items": [s.to_json() for s in await request.app[SURVEYS].surveys.list(limit=200)]}


@routes.route("GET", "/surveys/{id}", roles=STAFF, answer=Answer("the survey", Survey),
              summary="One survey")
async def get_survey(request: web.Request) -> Any:
    return (await request.app[SURVEYS].surveys.get(request.match_info["id"])).to_json()


@routes.route("GET", "/surveys/{id}/results", roles=MARKETING, query=ResultsQuery,
              answer=Answer('{"responses": n, "nps": -100..100 or null, "csat": 0..100 or '
                            'null, "distribution": {score: n}, "comments": [...], '
                            '"by_channel": {...}}'),
              summary="Results: NPS or CSAT, distribution, comments newest first")
async def survey_results(request: web.Request, query: ResultsQuery) -> Any:
    return await request.app[SURVEYS].surveys.results(
        request.match_info["id"], segment_id=query.segment_id, channel=query.channel,
        start=query.start, end=query.end)


@routes.route("POST", "/surveys/{id}/responses", roles=SERVICE, body=CallScoreInput,
              status=201, answer=Answer("the response"),
              summary="Record a score the customer gave during a call (once per call)")
async def record_call_score(request: web.Request, body: CallScoreInput) -> Any:
    response = await request.app[SURVEYS].surveys.record_call_score(
        request.match_info["id"], body.person_id, body.score, body.comment,
        call_event_id=body.call_id, author=request[PRINCIPAL].name)
    return response.to_json()


@routes.route("POST", "/survey-triggers", roles=MARKETING, body=TriggerInput, status=201,
              answer=Answer("the trigger", TriggerRule),
              summary="A rule that sends a survey after an event, e.g. a resolved call")
async def create_trigger(request: web.Request, body: TriggerInput) -> Any:
    rule = TriggerRule(id=new_id(), **body.model_dump())
    return (await request.app[SURVEYS].triggers.create(rule)).to_json()


@routes.route("GET", "/survey-triggers", roles=MARKETING, answer=Answer('{"items": [...]}'),
              summary="The survey triggers")
async def list_triggers(request: web.Request) -> Any:
    return {"items": [r.to_json() for r in await request.app[SURVEYS].triggers.rules()]}


@routes.route("POST", "/survey-triggers/{id}/switch", roles=MARKETING, body=SwitchInput,
              answer=Answer("the trigger", TriggerRule), summary="Switch a trigger on or off")
async def switch_trigger(request: web.Request, body: SwitchInput) -> Any:
    rule = await request.app[SURVEYS].triggers.switch(request.match_info["id"], body.enabled)
    return rule.to_json()

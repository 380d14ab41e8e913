"""Journeys (marketing): define and version them, switch their status, enrol persons by
hand, read their figures; a person's journeys are readable by every staff role."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.journeys import Journey, JourneyStatus
from hub.domain.staff import MARKETING, STAFF
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import COMPONENTS

routes = ApiRoutes()
DEFINITION_HELP = ("the journey definition (schema JourneyDefinition): trigger, start, steps, "
                   "goals, reentry; a problem answers 422 with details.step naming the step")


class JourneyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    definition: dict[str, Any] = Field(description=DEFINITION_HELP)


class JourneyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = Field(
        default=None, description=DEFINITION_HELP + "; a changed one becomes a new version")
    status: JourneyStatus | None = None
    migrate_enrolments: bool = Field(default=False, description=(
        "move the running enrolments of older versions to the current one (the new one, "
        "with `definition`); an enrolment whose step is not in it stays on its version"))


class EnrolInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ids: list[str] = Field(min_length=1, max_length=1000)


def _service(request: web.Request) -> Any:
    return request.app[COMPONENTS].journeys.service


@routes.route("GET", "/journeys", roles=MARKETING, answer=Answer('{"items": [journey...]}'),
              summary="The journeys")
async def list_journeys(request: web.Request) -> Any:
    return {"items": [j.to_json() for j in await _service(request).all()]}


@routes.route("POST", "/journeys", roles=MARKETING, body=JourneyInput, status=201,
              answer=Answer("the journey (a draft, version 1)", Journey),
              summary="Define a journey: a trigger, steps in a tree, goals, a re-entry rule")
async def create_journey(request: web.Request, body: JourneyInput) -> Any:
    return (await _service(request).create(body.name, body.definition)).to_json()


@routes.route("GET", "/journeys/{id}", roles=MARKETING, answer=Answer("the journey", Journey),
              summary="One journey")
async def get_journey(request: web.Request) -> Any:
    return (await _service(request).get(request.match_info["id"])).to_json()


@routes.route("PATCH", "/journeys/{id}", roles=MARKETING, body=JourneyPatch,
              answer=Answer('the journey, with "enrolments": {"exited" (archived: running '
                            'enrolments ended), "migrated", "stayed" (migrate_enrolments)}',
                            Journey),
              summary="Rename, change the definition (a new version) or the status "
                      "(draft → active ⇄ paused → archived; archiving ends the running "
                      "enrolments), and move running enrolments to the new version")
async def patch_journey(request: web.Request, body: JourneyPatch) -> Any:
    changed = await _service(request).change(
        request.match_info["id"], name=body.name, definition=body.definition,
        status=body.status, migrate=body.migrate_enrolments)
    return {**changed.journey.to_json(), "enrolments": {
        "exited": changed.exited, "migrated": changed.migrated, "stayed": changed.stayed}}


@routes.route("POST", "/journeys/{id}/enrolments", roles=MARKETING, body=EnrolInput,
              answer=Answer('{"enrolled": [{"person_id", "enrolment_id"}], '
                            '"skipped": [{"person_id", "reason"}]}'),
              summary="Enrol persons by hand (an active journey; the re-entry rule applies)")
async def enrol_persons(request: web.Request, body: EnrolInput) -> Any:
    results = await _service(request).enrol_manual(request.match_info["id"], body.person_ids)
    return {"enrolled": [{"person_id": r.person_id, "enrolment_id": r.enrolment_id}
                         for r in results if r.enrolment_id],
            "skipped": [{"person_id": r.person_id, "reason": r.reason}
                        for r in results if not r.enrolment_id]}


@routes.route("GET", "/journeys/{id}/stats", roles=MARKETING,
              answer=Answer('{"enrolments": {state: n}, "total": n, "at_step": {step: n}, '
                            '"ab": {step: {"variants": [...], "winner", "p_value", ...}}}'),
              summary="Where persons are now, and each A/B test's figures")
async def journey_stats(request: web.Request) -> Any:
    return await _service(request).stats(request.match_info["id"])


@routes.route("GET", "/persons/{id}/journeys", roles=STAFF,
              answer=Answer('{"items": [enrolment with journey_name and history...]}'),
              summary="A person's journeys: where they are and what happened")
async def person_journeys(request: web.Request) -> Any:
    return {"items": await _service(request).for_person(request.match_info["id"])}


@routes.route("GET", "/journeys/{id}/ab", roles=MARKETING,
              answer=Answer('{"steps": {step: {"metric", "variants": [{"key", "sent", '
                            '"successes", "rate"}], "decided", "winner", "leading", "p_value", '
                            '"confidence", "decide_at"}}}'),
              summary="The A/B tests of a journey's send steps: figures, p-value, winner")
async def journey_ab(request: web.Request) -> Any:
    return {"steps": (await _service(request).stats(request.match_info["id"]))["ab"]}

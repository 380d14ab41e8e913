"""The journey pages: `/journeys` (the list with live counts per step, and a new journey),
`/journeys/{id}` (the flow as a readable vertical tree with the persons at each step, the
definition as JSON to edit, status buttons, A/B figures with a confidence statement, recent
enrolments) and `/people/{id}/journeys` (where one person is and what happened). Handlers
call the journey service, the same the API calls, so both give the same answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiohttp import web

from hub.domain.journeys import (
    BranchStep,
    JourneyDefinition,
    NotifyStep,
    SendStep,
    Step,
    SurveyStep,
    UpdateStep,
    WaitStep,
    followers,
)
from hub.domain.staff import MARKETING, STAFF
from hub.errors import Conflict, InvalidInput
from hub.i18n import N_
from hub.web.keys import COMPONENTS
from hub.web.ui.form_input import Cut, PageForm, parse_form
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render, translate

STARTER = {
    "trigger": {"kind": "event", "event": {"kind": "form_submitted"}},
    "start": "welcome",
    "steps": [
        {"type": "send", "id": "welcome", "channel": "email",
         "templates": {"nl": "TEMPLATE_ID", "en": "TEMPLATE_ID"}, "next": "pause"},
        {"type": "wait", "id": "pause", "minutes": 4320, "next": "replied"},
        {"type": "branch", "id": "replied", "test": "replied", "yes": "staff", "no": "bye"},
        {"type": "notify", "id": "staff", "team": "sales", "note": "Replied to the welcome"},
        {"type": "exit", "id": "bye"}],
    "goals": [{"kind": "transaction_recorded"}],
    "reentry": {"mode": "once"}}
STATUS_ACTIONS = {"activate": "active", "pause": "paused", "resume": "active",
                  "archive": "archived"}
WAIT_UNITS = ((24 * 60, N_("%(n)s days")), (60, N_("%(n)s hours")), (1, N_("%(n)s minutes")))
TRIGGER_LABELS = {
    "manual": N_("Enrolled by staff or the API"),
    "segment": N_("A person enters the segment"),
    "date": N_("A date: %(field)s"),
    "event": N_("An event: %(kind)s"),
}
KIND_LABELS = {
    "message_received": N_("a message received"), "form_submitted": N_("a form submitted"),
    "survey_answered": N_("a survey answered"), "call_logged": N_("a call logged"),
    "transaction_recorded": N_("a purchase"), "consent_changed": N_("a consent change"),
    "conversation_resolved": N_("a conversation resolved")}
BRANCH_LABELS = {"segment": N_("In the segment now?"), "replied": N_("Replied since the last "
                                                                     "message?"),
                 "survey_score": N_("Survey score in range?"), "split": N_("Split")}


class JourneyForm(PageForm):
    name: Annotated[str, Cut(200)] = ""
    definition: Annotated[str, Cut(400_000, strip=False)] = ""
    migrate: Annotated[str, Cut(10)] = ""  # "yes": move running enrolments to this version


class StatusForm(PageForm):
    action: str = ""


@dataclass
class FlowRow:
    """One line of the vertical flow: a step (or a reference to one shown above)."""

    depth: int
    step_id: str
    kind: str
    text: str
    label: str = ""  # how the line is reached from its parent: "yes", "no", "path 1 (50 %)"
    count: int = 0
    seen: bool = False
    notes: list[str] = field(default_factory=list)


def _minutes(n: int) -> str:
    for size, text in WAIT_UNITS:
        if n % size == 0:
            return translate(text, n=n // size)
    return translate(WAIT_UNITS[-1][1], n=n)


def describe(step: Step) -> str:
    if isinstance(step, SendStep):
        text = translate(N_("Send %(channel)s (%(languages)s)"), channel=step.channel,
                         languages=", ".join(sorted(step.templates)) or "A/B")
        if step.ab is not None:
            text += " · " + translate(N_("A/B test of %(n)s variants on %(share)s %% "),
                                      n=len(step.ab.variants), share=step.ab.test_share)
        return text
    if isinstance(step, WaitStep):
        if step.minutes is not None:
            return translate(N_("Wait %(time)s"), time=_minutes(step.minutes))
        if step.until is not None:
            return translate(N_("Wait until %(day)s %(at)s (the person's time zone)"),
                             day=step.until.weekday or translate(N_("the next day at")),
                             at=step.until.at)
        kind = translate(KIND_LABELS[step.event.kind]) if step.event else ""
        return translate(N_("Wait for %(what)s, at most %(time)s"), what=kind,
                         time=_minutes(step.timeout_minutes or 0))
    if isinstance(step, BranchStep):
        return translate(BRANCH_LABELS[step.test])
    if isinstance(step, SurveyStep):
        return translate(N_("Send survey %(survey)s by %(channel)s"), survey=step.survey_id,
                         channel=step.channel)
    if isinstance(step, UpdateStep):
        return translate(N_("Update the person: %(what)s"), what=", ".join(
            [*(f"+{t}" for t in step.add_tags), *(f"-{t}" for t in step.remove_tags),
             *(f"{k}={v}" for k, v in step.attributes.items()),
             *([step.customer_status] if step.customer_status else [])]) or "-")
    if isinstance(step, NotifyStep):
        return translate(N_("Put the person in the staff inbox (team %(team)s)"),
                         team=step.team or "-")
    return translate(N_("Exit"))


def _branch_labels(step: Step) -> list[tuple[str, str]]:
    if isinstance(step, BranchStep):
        if step.test == "split":
            return [(p.next, translate(N_("path %(n)s (%(share)s %%)"), n=i + 1,
                                       share=p.share))
                    for i, p in enumerate(step.paths) if p.next]
        return [(target, translate(label)) for target, label in
                ((step.yes, N_("yes")), (step.no, N_("no"))) if target]
    if isinstance(step, WaitStep) and step.event is not None:
        return [(target, translate(label)) for target, label in
                ((step.next, N_("it happened")), (step.on_timeout or step.next,
                                                  N_("timed out"))) if target]
    return [(target, "") for target in followers(step)]


def flow(definition: JourneyDefinition, counts: dict[str, int]) -> list[FlowRow]:
    """The tree from the start, depth first; a step reached a second time is a reference."""
    rows: list[FlowRow] = []
    shown: set[str] = set()
    stack: list[tuple[str, int, str]] = [(definition.start, 0, "")]
    while stack:
        step_id, depth, label = stack.pop()
        step = definition.step(step_id)
        if step is None:
            continue
        row = FlowRow(depth, step.id, step.type, describe(step), label,
                      counts.get(step.id, 0), seen=step.id in shown)
        rows.append(row)
        if row.seen:
            continue
        shown.add(step.id)
        branches = _branch_labels(step)
        nested = len(branches) > 1
        for target, how in reversed(branches):
            stack.append((target, depth + 1 if nested else depth, how))
    return rows


def trigger_text(definition: JourneyDefinition) -> str:
    trigger = definition.trigger
    if trigger.kind == "event" and trigger.event is not None:
        return translate(TRIGGER_LABELS["event"], kind=translate(KIND_LABELS[trigger.event.kind]))
    if trigger.kind == "date":
        return translate(TRIGGER_LABELS["date"], field=trigger.date_field or "")
    return translate(TRIGGER_LABELS[trigger.kind])


def confidence_statement(result: dict[str, Any]) -> str:
    """What the A/B figures say, in words: a winner only when the test proves one."""
    level = round(result["confidence"] * 100)
    p_value = result.get("p_value")
    if result["winner"]:
        return translate(N_("Variant %(v)s won: it is better than every other variant with "
                            "%(level)s %% confidence (p = %(p).3f). The rest get %(v)s."),
                         v=result["winner"], level=level, p=p_value or 0.0)
    if result["decided"]:
        return translate(N_("No winner: the differences can be chance at %(level)s %% "
                            "confidence. The rest get variant A."), level=level)
    if result["leading"]:
        return translate(N_("So far %(v)s leads with %(level)s %% confidence (p = %(p).3f); "
                            "decided at %(at)s."), v=result["leading"], level=level,
                         p=p_value or 0.0, at=result["decide_at"][:16].replace("T", " "))
    return translate(N_("No variant is proven better yet; decided at %(at)s."),
                     at=result["decide_at"][:16].replace("T", " "))


def _service(request: web.Request) -> Any:
    return request.app[COMPONENTS].journeys.service


@staff_page(MARKETING)
async def journeys_page(request: web.Request) -> web.StreamResponse:
    return await _journeys(request)


async def _journeys(request: web.Request, *, error: str | None = None,
                    form: JourneyForm | None = None, status: int = 200) -> web.StreamResponse:
    service = _service(request)
    rows = []
    for journey in reversed(await service.all()):
        stats = await service.stats(journey.id, with_ab=False)
        rows.append((journey, stats, flow(journey.definition, stats["at_step"])))
    return render(request, "ui/marketing/journeys.html", {
        "title": N_("Journeys"), "nav": "journeys", "rows": rows, "error": error,
        "form": form or JourneyForm(definition=json.dumps(STARTER, indent=2))}, status=status)


@staff_page(MARKETING)
async def create_journey(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, JourneyForm)
    try:
        if not form.name:
            raise InvalidInput(N_("Give the journey a name."))
        journey = await _service(request).create(form.name, _json(form.definition))
    except InvalidInput as exc:
        return await _journeys(request, error=exc.message, form=form, status=422)
    return redirect(f"/journeys/{journey.id}?notice=saved")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidInput(translate(N_("The definition is not valid JSON: %(problem)s"),
                                     problem=str(exc))) from exc


@staff_page(MARKETING)
async def journey_page(request: web.Request) -> web.StreamResponse:
    return await _journey(request)


async def _journey(request: web.Request, *, error: str | None = None,
                   text: str | None = None, status: int = 200) -> web.StreamResponse:
    service = _service(request)
    journey = await service.get(request.match_info["journey_id"])
    stats = await service.stats(journey.id)
    ab = {step_id: {**result, "statement": confidence_statement(result)}
          for step_id, result in stats["ab"].items()}
    enrolments = await service.enrolments(journey.id, limit=50)
    persons = {p.id: p for p in await request.app[COMPONENTS].services.store.persons.get_many(
        [e.person_id for e in enrolments])}
    return render(request, "ui/marketing/journey.html", {
        "title": journey.name, "nav": "journeys", "journey": journey, "stats": stats,
        "flow": flow(journey.definition, stats["at_step"]), "ab": ab,
        "trigger": trigger_text(journey.definition), "enrolments": enrolments,
        "persons": persons, "error": error, "notice": request.query.get("notice"),
        "outcome": {k: int(v) for k in ("exited", "migrated", "stayed")
                    if (v := request.query.get(k, "")[:9]).isdigit()},
        "definition": text or json.dumps(journey.definition.model_dump(
            mode="json", exclude_defaults=True), indent=2)}, status=status)


@staff_page(MARKETING)
async def save_journey(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, JourneyForm)
    journey_id = request.match_info["journey_id"]
    try:
        changed = await _service(request).change(journey_id, name=form.name or None,
                                                 definition=_json(form.definition),
                                                 migrate=form.migrate == "yes")
    except (InvalidInput, Conflict) as exc:
        return await _journey(request, error=exc.message, text=form.definition,
                                  status=422)
    moved = f"&migrated={changed.migrated}&stayed={changed.stayed}" if form.migrate else ""
    return redirect(f"/journeys/{journey_id}?notice=saved{moved}")


@staff_page(MARKETING)
async def journey_status(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, StatusForm)
    journey_id = request.match_info["journey_id"]
    if form.action not in STATUS_ACTIONS:
        raise web.HTTPBadRequest(reason=N_("Activate, pause, resume or archive."))
    try:
        changed = await _service(request).change(journey_id,
                                                 status=STATUS_ACTIONS[form.action])
    except (InvalidInput, Conflict) as exc:
        return await _journey(request, error=translate(
            N_("Not changed: %(problem)s"), problem=exc.message), status=422)
    notices = {"activate": "launched", "pause": "paused", "resume": "resumed",
               "archive": "saved"}
    exited = f"&exited={changed.exited}" if form.action == "archive" else ""
    return redirect(f"/journeys/{journey_id}?notice={notices[form.action]}{exited}")


@staff_page(STAFF)
async def person_journeys_page(request: web.Request) -> web.StreamResponse:
    person_id = request.match_info["person_id"]
    person = await request.app[COMPONENTS].services.persons.get(person_id)
    return render(request, "ui/marketing/person_journeys.html", {
        "title": N_("Journeys"), "nav": "", "person": person,
        "items": await _service(request).for_person(person.id)})

"""Validation of a journey definition as a whole: every problem names the step it is in, so
the editor and the API (422) can point at it. What needs the store (templates exist and
cover every language, surveys exist) is checked by the journey service on top of this."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from hub.domain.journeys import (
    MAX_STEPS,
    MAX_WAIT_MINUTES,
    MIN_WAIT_MINUTES,
    BranchStep,
    EventMatch,
    JourneyDefinition,
    SendStep,
    Step,
    Trigger,
    WaitStep,
    followers,
)
from hub.domain.segments import parse_filter
from hub.errors import InvalidInput


class JourneyInvalid(InvalidInput):
    code = "journey_invalid"

    def __init__(self, message: str, *, step: str | None = None,
                 field: str | None = None) -> None:
        where = f"step {step!r}: " if step else ""
        super().__init__(where + message, details={"step": step, "field": field})
        self.step = step


def parse_definition(data: Any) -> JourneyDefinition:
    """A definition from JSON, validated; JourneyInvalid naming the step on any problem."""
    if isinstance(data, dict) and isinstance(data.get("steps"), list) \
            and len(data["steps"]) > MAX_STEPS:
        raise JourneyInvalid(f"a journey has at most {MAX_STEPS} steps; this one has "
                             f"{len(data['steps'])}", field="steps")
    try:
        definition = JourneyDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        loc = first["loc"]
        step = None
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int) \
                and isinstance(data, dict):
            raw = data["steps"][loc[1]]
            step = str(raw.get("id")) if isinstance(raw, dict) else str(loc[1])
        field = ".".join(str(p) for p in loc)
        raise JourneyInvalid(f"{field}: {first['msg']}", step=step, field=field) from exc
    check_definition(definition)
    return definition


def check_definition(definition: JourneyDefinition) -> None:
    steps = definition.steps
    if len(steps) > MAX_STEPS:
        raise JourneyInvalid(f"a journey has at most {MAX_STEPS} steps; this one has "
                             f"{len(steps)}", field="steps")
    by_id: dict[str, Step] = {}
    for step in steps:
        if step.id in by_id:
            raise JourneyInvalid("two steps have this id", step=step.id, field="id")
        by_id[step.id] = step
    _check_trigger(definition.trigger)
    for goal in definition.goals:
        _check_match(goal, None, "goals")
    if definition.start not in by_id:
        raise JourneyInvalid(f"the start step {definition.start!r} is not a step",
                             field="start")
    for step in steps:
        for target in followers(step):
            if target not in by_id:
                raise JourneyInvalid(f"leads to {target!r}, which is not a step",
                                     step=step.id, field="next")
        _check_step(step)
    _check_cycles(definition.start, by_id)
    reachable = _reachable(definition.start, by_id)
    for step in steps:
        if step.id not in reachable:
            raise JourneyInvalid("cannot be reached from the start", step=step.id)


def _check_trigger(trigger: Trigger) -> None:
    if trigger.kind == "event":
        if trigger.event is None:
            raise JourneyInvalid("an event trigger needs `event`", field="trigger.event")
        _check_match(trigger.event, None, "trigger.event")
    elif trigger.kind == "segment":
        if not trigger.filter:
            raise JourneyInvalid("a segment trigger needs `filter`", field="trigger.filter")
        _check_filter(trigger.filter, None, "trigger.filter")
    elif trigger.kind == "date" and trigger.date_field is None:
        raise JourneyInvalid("a date trigger needs `date_field`", field="trigger.date_field")


def _check_match(match: EventMatch, step: str | None, field: str) -> None:
    if match.score_min is not None and match.score_max is not None \
            and match.score_min > match.score_max:
        raise JourneyInvalid("score_min is above score_max", step=step, field=field)


def _check_filter(filter_: dict[str, Any], step: str | None, field: str) -> None:
    try:
        parse_filter(filter_)
    except InvalidInput as exc:
        raise JourneyInvalid(f"the filter is not valid: {exc.message}", step=step,
                             field=field) from exc


def _check_minutes(value: int | None, step: str, field: str) -> None:
    if value is None:
        return
    if value < MIN_WAIT_MINUTES:
        raise JourneyInvalid(f"{field} must be at least {MIN_WAIT_MINUTES} minute", step=step,
                             field=field)
    if value > MAX_WAIT_MINUTES:
        raise JourneyInvalid(f"{field} is longer than a year ({MAX_WAIT_MINUTES} minutes)",
                             step=step, field=field)


def _check_step(step: Step) -> None:
    if isinstance(step, SendStep):
        if step.ab is None and not step.templates:
            raise JourneyInvalid("a send step needs templates (one per language)",
                                 step=step.id, field="templates")
        if step.ab is not None:
            keys = [v.key for v in step.ab.variants]
            if len(set(keys)) != len(keys) or keys[0] != "A":
                raise JourneyInvalid("A/B variants need distinct keys, starting with A",
                                     step=step.id, field="ab.variants")
            if step.ab.metric == "conversion" and step.ab.conversion is None:
                raise JourneyInvalid("the conversion metric needs `conversion`",
                                     step=step.id, field="ab.conversion")
    elif isinstance(step, WaitStep):
        kinds = [k for k in (step.minutes, step.until, step.event) if k is not None]
        if len(kinds) != 1:
            raise JourneyInvalid("a wait needs exactly one of minutes, until or event",
                                 step=step.id)
        _check_minutes(step.minutes, step.id, "minutes")
        if step.event is not None:
            if step.timeout_minutes is None:
                raise JourneyInvalid("a wait for an event needs timeout_minutes",
                                     step=step.id, field="timeout_minutes")
            _check_match(step.event, step.id, "event")
        _check_minutes(step.timeout_minutes, step.id, "timeout_minutes")
    elif isinstance(step, BranchStep):
        _check_branch(step)


def _check_branch(step: BranchStep) -> None:
    if step.test == "split":
        if not 2 <= len(step.paths) <= 5:
            raise JourneyInvalid("a split needs 2 to 5 paths", step=step.id, field="paths")
        if sum(p.share for p in step.paths) != 100:
            raise JourneyInvalid("the shares of a split add up to 100", step=step.id,
                                 field="paths")
        return
    if step.test == "segment":
        if not step.filter:
            raise JourneyInvalid("a segment branch needs `filter`", step=step.id,
                                 field="filter")
        _check_filter(step.filter, step.id, "filter")
    if step.test == "survey_score":
        if step.score_min is None and step.score_max is None:
            raise JourneyInvalid("a survey score branch needs score_min or score_max",
                                 step=step.id, field="score_min")
        if step.score_min is not None and step.score_max is not None \
                and step.score_min > step.score_max:
            raise JourneyInvalid("score_min is above score_max", step=step.id,
                                 field="score_min")


def _check_cycles(start: str, by_id: dict[str, Step]) -> None:
    """Depth first, iteratively (10,000 steps must not blow the stack)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        node, index = stack.pop()
        if index == 0:
            state[node] = 1
            path.append(node)
        nexts = followers(by_id[node])
        if index < len(nexts):
            stack.append((node, index + 1))
            target = nexts[index]
            if state.get(target) == 1:
                loop = [*path[path.index(target):], target]
                raise JourneyInvalid("the flow loops: " + " → ".join(loop) +
                                     "; a journey cannot go back to an earlier step",
                                     step=node, field="next")
            if target not in state:
                stack.append((target, 0))
        else:
            state[node] = 2
            path.pop()


def _reachable(start: str, by_id: dict[str, Step]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in followers(by_id[todo.pop()]):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen

"""Preflight at review: render the campaign's templates for every recipient before launch, so
a template that fails for some persons (a missing attribute, a bad filter) is found with the
person and the line, not one delivery at a time after the launch.

The audience is read as the snapshot will read it (in id order, a page at a time), each
person's channel chosen as the engine will (`choose_channel`, so who would be skipped is not
rendered) and what dispatch may send them on it rendered in the sandbox with the person's
variables: the template in their language (or the campaign's) and each A/B variant's own
template, compiled by the same `load_templates` dispatch uses.
Beyond `full_limit` persons, one person per distinct shape of the variables (which variables
are present, and their types) is rendered: a template fails or succeeds alike for persons of
one shape, except where it branches on values, which a full run would catch.

The result is kept in `channel_state` under `preflight:<campaign id>` (progress while it runs),
so every process sees it, with a fingerprint of the audience and templates it was made for;
launching a campaign whose current preflight found failures needs an explicit choice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from campaigns.engine.audience import resolve_audience
from campaigns.engine.choose import choose_channel
from campaigns.engine.dispatch import Loaded, load_templates
from campaigns.engine.personalise import variables_from
from campaigns.templates import CompiledTemplate, TemplateProblem
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import utcnow
from hub.domain.parties import Person
from hub.ports import Store

log = logging.getLogger("hub.campaigns.preflight")
STATE_KEY = "preflight:"
PAGE = 500
FAILURES_LISTED = 200
Progress = Callable[[dict[str, Any]], Awaitable[None]]


def fingerprint(campaign: Campaign, audience_filter: dict[str, Any],
                templates: dict[str, MessageTemplate | None]) -> str:
    """What a preflight result is valid for: the audience filter and the texts of every
    template (`templates`: the campaign's own by channel, its other languages' and its A/B
    variants' by a key naming them)."""
    texts = {c: [t.subject, t.body, t.html] if t else None for c, t in templates.items()}
    raw = json.dumps([audience_filter, campaign.channels, campaign.require_opt_in, texts],
                     sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def shape(channel: str, variables: dict[str, Any],
          templates: list[tuple[str | None, str | None]]) -> str:
    """Which templates, which variables are there, and of what type: persons of one shape
    render alike."""
    leaves: list[str] = [channel, *(f"{variant}/{language}" for variant, language in templates)]

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}", value[key])
        else:
            leaves.append(f"{prefix}:{type(value).__name__}")

    walk("", variables)
    return hashlib.sha256("|".join(leaves).encode()).hexdigest()


@dataclass(slots=True)
class _Run:
    examined: int = 0
    rendered: int = 0
    failed: int = 0


async def _page_records(store: Store, persons: list[Person]) -> tuple[dict[str, Any], ...]:
    household_ids = sorted({p.household_id for p in persons if p.household_id})
    households = {h.id: h for h in await store.households.get_many(household_ids)} \
        if household_ids else {}
    roles: dict[str, Any] = {}
    for role in await store.roles.for_persons([p.id for p in persons]):
        roles.setdefault(role.person_id, role)
    organisation_ids = sorted({r.organisation_id for r in roles.values()})
    organisations = {o.id: o for o in await store.organisations.get_many(organisation_ids)} \
        if organisation_ids else {}
    return households, roles, organisations


def _renders(loaded: Loaded, campaign: Campaign, person: Person, channel: str
             ) -> list[tuple[str | None, str | None, CompiledTemplate | TemplateProblem]]:
    """What dispatch may render for `person` on `channel`, as (variant, language, template or
    why it cannot be used): the template in the person's language (or the campaign's), and
    each A/B variant's own template on the channel (which variant a person gets is decided at
    send time, so every one is rendered)."""
    variants = campaign.ab.variants if campaign.ab else []
    found: list[tuple[str | None, str | None, CompiledTemplate | TemplateProblem]] = []
    for variant in variants:
        if channel in variant.templates:
            try:
                found.append((variant.key, None, loaded.variant_template(variant.key, channel)))
            except TemplateProblem as exc:
                found.append((variant.key, None, exc))
    if len(found) < len(variants) or not variants:  # some readers get the campaign's own
        try:
            template, language, _ = loaded.template_for(campaign, person, channel)
            found.append((None, language, template))
        except TemplateProblem as exc:
            found.append((None, None, exc))
    return found


async def run_preflight(store: Store, campaign: Campaign, *, total: int, full_limit: int,
                        report: Progress) -> dict[str, Any]:
    """Render for the audience; `report` is called with the state now and then."""
    loaded = Loaded()
    await load_templates(store, campaign, loaded)
    by_shape = total > full_limit
    seen: dict[str, dict[str, Any] | None] = {}  # shape → its failure (None: renders)
    failures: list[dict[str, Any]] = []
    counts = _Run()
    predicate = await resolve_audience(store, campaign, utcnow())
    after: str | None = None
    state: dict[str, Any] = {"state": "running", "mode": "shapes" if by_shape else "every",
                             "total": total}
    while True:
        persons = await store.persons.find_matching(predicate, limit=PAGE, after_id=after)
        if not persons:
            break
        after = persons[-1].id
        households, roles, organisations = await _page_records(store, persons)
        for person in persons:
            counts.examined += 1
            chosen = choose_channel(campaign, person).channel
            if chosen is None or chosen not in loaded.templates:
                continue
            channel = str(chosen)
            role = roles.get(person.id)
            variables = variables_from(
                campaign, person, household=households.get(person.household_id or ""),
                role=role, organisation=organisations.get(role.organisation_id)
                if role else None, unsubscribe_url="(unsubscribe link)",
                survey_url="(survey link)")
            renders = _renders(loaded, campaign, person, channel)
            key = shape(channel, variables, [(v, lang) for v, lang, _ in renders]) \
                if by_shape else ""
            if by_shape and key in seen:
                failure = seen[key]
                if failure is not None:
                    failure["persons"] += 1
                    counts.failed += 1
                continue
            failure = None
            for variant, language, template in renders:
                problem = _render(template, variables)
                if problem is not None:
                    failure = {"person_id": person.id, "name": person.name, "channel": channel,
                               "part": problem.part, "line": problem.line,
                               "message": problem.details.get("message", problem.message),
                               "variant": variant, "language": language, "persons": 1}
                    break
            counts.rendered += 1
            if failure is not None:
                counts.failed += 1
                if len(failures) < FAILURES_LISTED:
                    failures.append(failure)
            if by_shape:
                seen[key] = failure
        state.update(examined=counts.examined, rendered=counts.rendered,
                     failed=counts.failed, failures=failures,
                     progress=round(min(1.0, counts.examined / total), 4) if total else 1.0)
        await report(state)
    state.update(state="done", examined=counts.examined, rendered=counts.rendered,
                 failed=counts.failed, failures=failures, progress=1.0,
                 shapes=len(seen) if by_shape else None, finished_at=utcnow().isoformat())
    return state


def _render(template: CompiledTemplate | TemplateProblem,
            variables: dict[str, Any]) -> TemplateProblem | None:
    if isinstance(template, TemplateProblem):
        return template
    try:
        template.render(variables)
    except TemplateProblem as exc:
        return exc
    return None


class PreflightRunner:
    """Starts preflights in the background and reads their state (for every process)."""

    def __init__(self, store: Store, *, full_limit: int) -> None:
        self._store = store
        self.full_limit = full_limit
        self._tasks: set[asyncio.Task[None]] = set()

    async def state(self, campaign: Campaign, current: str) -> dict[str, Any] | None:
        """The last preflight of `campaign`, `stale` when the audience filter or the
        templates changed since (`current` is their fingerprint now)."""
        state = await self._store.channel_state.get(STATE_KEY + campaign.id)
        if state is None:
            return None
        return {**state, "stale": state.get("fingerprint") != current}

    async def start(self, campaign: Campaign, current: str) -> dict[str, Any]:
        predicate = await resolve_audience(self._store, campaign, utcnow())
        total = await self._store.persons.count_matching(predicate)
        state: dict[str, Any] = {"state": "running", "fingerprint": current, "total": total,
                                 "mode": "shapes" if total > self.full_limit else "every",
                                 "examined": 0, "rendered": 0, "failed": 0, "failures": [],
                                 "progress": 0.0, "started_at": utcnow().isoformat()}
        key = STATE_KEY + campaign.id
        await self._store.channel_state.put(key, state)

        async def report(now: dict[str, Any]) -> None:
            await self._store.channel_state.put(key, {**state, **now})

        async def work() -> None:
            try:
                done = await run_preflight(self._store, campaign, total=total,
                                           full_limit=self.full_limit, report=report)
                await report(done)
            except Exception as exc:  # the page must not wait forever
                log.exception("preflight failed", extra={"campaign_id": campaign.id})
                await report({"state": "failed", "error": f"{type(exc).__name__}"})

        task = asyncio.create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return {**state, "stale": False}

    async def wait(self) -> None:
        """Wait for running preflights (tests, shutdown)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

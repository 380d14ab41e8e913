"""What each kind of step does for one enrolment, decided without sending anything: a step
returns a `Move` (go on, stay until a moment, end) or, for a send or a survey, a `SendPlan`
that the engine carries out under its at-most-once bookkeeping (`engine.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from campaigns.engine.personalise import variables_for
from campaigns.journeys.abtest import AbTests, bucket
from campaigns.journeys.alerts import StaffAlerts
from campaigns.journeys.matching import latest_score, seen_since
from campaigns.surveys import SurveyService
from campaigns.templates import BUILTIN_TEXTS, MessageTexts, TemplateProblem, compiled
from campaigns.triggers import default_text
from campaigns.unsubscribe import UnsubscribeTokens
from hub.domain.channels import SendableChannel
from hub.domain.events import SurveyInfo
from hub.domain.journeys import (
    WEEKDAY_INDEX,
    BranchStep,
    Enrolment,
    EnrolmentState,
    EventMatch,
    ExitStep,
    Journey,
    JourneyDefinition,
    NotifyStep,
    SendStep,
    Step,
    StepRecord,
    SurveyStep,
    UpdateStep,
    WaitStep,
    WaitUntil,
)
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.ports import Store
from hub.services.outbound import Content, Extras, OutboundPath, Prepared, why_not

REPLY = EventMatch(kind="message_received")


@dataclass(frozen=True, slots=True)
class Move:
    kind: Literal["go", "stay", "end"]
    record: StepRecord | None = None
    next: str | None = None
    due_at: datetime | None = None
    state: EnrolmentState | None = None
    reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)  # enrolment fields to set


@dataclass(frozen=True, slots=True)
class SendPlan:
    step: SendStep | SurveyStep
    prepared: Prepared
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    journey: Journey
    definition: JourneyDefinition
    enrolment: Enrolment
    person: Person
    now: datetime


def record(step: Step, outcome: str, now: datetime, *, detail: str | None = None,
           event_id: str | None = None, variant: str | None = None) -> StepRecord:
    return StepRecord(step_id=step.id, type=step.type, at=now, outcome=outcome, detail=detail,
                      event_id=event_id, variant=variant)


def next_moment(local_now: datetime, until: WaitUntil) -> datetime:
    """The next `until` (weekday, HH:MM) strictly after `local_now`, in its time zone."""
    hour, minute = (int(x) for x in until.at.split(":"))
    zone = local_now.tzinfo
    day = local_now.date()
    for ahead in range(8):
        candidate_day = day + timedelta(days=ahead)
        if until.weekday is not None and candidate_day.weekday() != WEEKDAY_INDEX[until.weekday]:
            continue
        candidate = datetime.combine(candidate_day, time(hour, minute), tzinfo=zone)
        if candidate > local_now:
            return candidate
    raise AssertionError("a weekday comes round within a week")


class StepRunner:
    def __init__(self, store: Store, outbound: OutboundPath, alerts: StaffAlerts,
                 surveys: SurveyService | None, ab: AbTests, unsubscribe: UnsubscribeTokens,
                 *, public_url: str, default_language: str,
                 texts: MessageTexts = BUILTIN_TEXTS) -> None:
        self._store = store
        self._outbound = outbound
        self._alerts = alerts
        self._surveys = surveys
        self._ab = ab
        self._unsubscribe = unsubscribe
        self._public_url = public_url
        self._language = default_language
        self._texts = texts

    async def run(self, ctx: Context, step: Step) -> Move | SendPlan:
        if isinstance(step, SendStep):
            return await self._send(ctx, step)
        if isinstance(step, WaitStep):
            return await self._wait(ctx, step)
        if isinstance(step, BranchStep):
            return await self._branch(ctx, step)
        if isinstance(step, SurveyStep):
            return await self._survey(ctx, step)
        if isinstance(step, UpdateStep):
            return await self._update(ctx, step)
        if isinstance(step, NotifyStep):
            alert = await self._alerts.open(
                ctx.person, team=step.team, note=step.note, key=f"{ctx.enrolment.id}:{step.id}",
                journey_id=ctx.journey.id, journey_name=ctx.journey.name)
            return Move("go", record(step, "notified", ctx.now, detail=step.team,
                                     event_id=alert.id), next=step.next)
        assert isinstance(step, ExitStep)
        return Move("end", record(step, "exit", ctx.now), state="done")

    # --- sends -------------------------------------------------------------------------

    def _refusal(self, ctx: Context, step: SendStep | SurveyStep) -> Move | None:
        """Opted out: the person leaves the journey; unreachable otherwise: the step is
        skipped; held by the cap: skipped; by quiet hours: deferred to their end."""
        why = why_not(ctx.person, step.channel, "marketing")
        if why is not None:
            if ctx.person.consent_for(step.channel).status == "opted_out":
                return Move("end", record(step, "opted_out", ctx.now, detail=why),
                            state="exited", reason=why)
            return Move("go", record(step, "skipped", ctx.now, detail=why), next=step.next)
        return None

    async def _held(self, ctx: Context, step: SendStep | SurveyStep) -> Move | None:
        sent = (await self._outbound.sent_counts([ctx.person.id], ctx.now)).get(
            ctx.person.id, 0)
        hold = self._outbound.hold(ctx.person, ctx.now, sent)
        if hold is None:
            return None
        if hold.until is None:
            return Move("go", record(step, "skipped", ctx.now, detail=hold.reason),
                        next=step.next)
        already = ctx.enrolment.history[-1:] and ctx.enrolment.history[-1].outcome == "deferred"
        return Move("stay", None if already else record(step, "deferred", ctx.now,
                                                         detail=hold.reason),
                    due_at=hold.until)

    def _template_id(self, templates: dict[str, str], person: Person) -> str:
        return (templates.get(person.language or "") or templates.get(self._language)
                or next(iter(templates.values())))

    async def _send(self, ctx: Context, step: SendStep) -> Move | SendPlan:
        refused = self._refusal(ctx, step)
        if refused is not None:
            return refused
        templates, variant = step.templates, None
        if step.ab is not None:
            choice = await self._ab.choose(ctx.journey, step, ctx.enrolment, ctx.now)
            if isinstance(choice, datetime):  # in the rest group, before the decision
                return Move("stay", record(step, "waiting_for_ab", ctx.now), due_at=choice)
            variant = choice
            key = variant.removeprefix("rest:")
            templates = next(v.templates for v in step.ab.variants if v.key == key)
        held = await self._held(ctx, step)
        if held is not None:
            return held
        template = await self._store.templates.get(self._template_id(templates, ctx.person))
        if template is None:
            return Move("go", record(step, "failed", ctx.now, detail="the template is gone"),
                        next=step.next)
        token = self._unsubscribe.make(ctx.person.id, None)
        variables = await variables_for(self._store, None, ctx.person,
                                        unsubscribe_url=f"{self._public_url}/u/{token}")
        try:
            rendered = compiled(template).render(variables)
        except TemplateProblem as exc:
            return Move("go", record(step, "failed", ctx.now, detail=exc.message),
                        next=step.next)
        headers = {} if step.channel != "email" else {
            "List-Unsubscribe": f"<{self._public_url}/u/{token}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        prepared = self._outbound.prepare(
            ctx.person, step.channel,
            Content(text=rendered.text, subject=rendered.subject, html=rendered.html),
            Extras(purpose="marketing", headers=headers, data=self._data(ctx, step, variant)))
        return SendPlan(step, prepared, variant)

    @staticmethod
    def _data(ctx: Context, step: Step, variant: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"journey_id": ctx.journey.id, "journey_step": step.id,
                                "enrolment_id": ctx.enrolment.id}
        if variant is not None:
            data["ab_variant"] = variant
        return data

    async def _survey(self, ctx: Context, step: SurveyStep) -> Move | SendPlan:
        refused = self._refusal(ctx, step)
        if refused is not None:
            return refused
        survey = await self._store.surveys.get(step.survey_id)
        if survey is None or self._surveys is None:
            return Move("go", record(step, "skipped", ctx.now, detail="no such survey"),
                        next=step.next)
        held = await self._held(ctx, step)
        if held is not None:
            return held
        channel: SendableChannel = step.channel
        url = await self._surveys.link(survey.id, ctx.person.id,
                                       send_key=f"journey:{ctx.enrolment.id}:{step.id}")
        subject, text = default_text(survey, ctx.person, url, channel, texts=self._texts)
        prepared = self._outbound.prepare(
            ctx.person, channel, Content(text=text, subject=subject or None),
            Extras(purpose="marketing", survey=SurveyInfo(survey_id=survey.id),
                   data=self._data(ctx, step, None)))
        return SendPlan(step, prepared)

    # --- the rest ------------------------------------------------------------------------

    async def _wait(self, ctx: Context, step: WaitStep) -> Move:
        e, now = ctx.enrolment, ctx.now
        if e.waiting_since is None:  # the wait starts
            if step.minutes is not None:
                until = now + timedelta(minutes=step.minutes)
            elif step.until is not None:
                zone = self._outbound.rules.zone_of(ctx.person, now)
                until = next_moment(now.astimezone(zone), step.until).astimezone(now.tzinfo)
            else:
                until = now + timedelta(minutes=step.timeout_minutes or 0)
            return Move("stay", record(step, "waiting", now), due_at=until,
                        changes={"waiting_since": now, "wait_until": until})
        done = {"waiting_since": None, "wait_until": None}
        if step.event is not None:
            found = await seen_since(self._store, ctx.person.id, step.event, e.waiting_since)
            if found is not None:
                return Move("go", record(step, "event", now, event_id=found), next=step.next,
                            changes=done)
            if e.wait_until is not None and now >= e.wait_until:
                return Move("go", record(step, "timeout", now),
                            next=step.on_timeout or step.next, changes=done)
            return Move("stay", due_at=e.wait_until)
        if e.wait_until is not None and now < e.wait_until:
            return Move("stay", due_at=e.wait_until)
        return Move("go", record(step, "waited", now), next=step.next, changes=done)

    async def _branch(self, ctx: Context, step: BranchStep) -> Move:
        e, now = ctx.enrolment, ctx.now
        if step.test == "split":
            point, total = bucket(e.id, step.id), 0
            for index, path in enumerate(step.paths):
                total += path.share
                if point < total:
                    return Move("go", record(step, f"path {index + 1}", now), next=path.next)
            return Move("go", record(step, f"path {len(step.paths)}", now),
                        next=step.paths[-1].next)
        if step.test == "segment":
            predicate = plan(parse_filter(step.filter), now)
            yes = ctx.person.id in await self._store.persons.matching_ids(predicate,
                                                                          [ctx.person.id])
        elif step.test == "replied":
            since = e.last_send_at or e.entered_at
            yes = await seen_since(self._store, ctx.person.id, REPLY, since) is not None
        else:
            score = await latest_score(self._store, ctx.person.id, e.entered_at)
            yes = score is not None and (step.score_min is None or score >= step.score_min) \
                and (step.score_max is None or score <= step.score_max)
        return Move("go", record(step, "yes" if yes else "no", now),
                    next=step.yes if yes else step.no)

    async def _update(self, ctx: Context, step: UpdateStep) -> Move:
        person = await self._store.persons.get(ctx.person.id) or ctx.person
        tags = [t for t in person.tags if t not in step.remove_tags]
        tags += [t for t in step.add_tags if t not in tags]
        changes: dict[str, Any] = {"tags": tags,
                                   "attributes": {**person.attributes, **step.attributes}}
        if step.customer_status is not None:
            changes["customer_status"] = step.customer_status
        updated = Person.model_validate({**person.to_doc(), **changes, "updated_at": ctx.now})
        await self._store.persons.replace(updated)
        summary = ", ".join([*(f"+{t}" for t in step.add_tags),
                             *(f"-{t}" for t in step.remove_tags),
                             *(f"{k}={v}" for k, v in step.attributes.items()),
                             *([f"status={step.customer_status}"] if step.customer_status
                               else [])])
        return Move("go", record(step, "updated", ctx.now, detail=summary), next=step.next)

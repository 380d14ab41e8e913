"""Journeys (issue 17): a versioned definition (a trigger, then steps in a tree, goals that
end it early, a re-entry rule) and the per-person enrolment that walks it.

The definition is data: steps refer to each other by id (`next`, `yes`/`no`, split paths),
so a tree can be written as JSON and shown as a vertical flow. `hub.domain.journey_check`
validates a definition as a whole (cycles, unreachable steps, bounds); the service adds what
needs the store (templates and their languages, surveys).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.domain.channels import SendableChannel
from hub.domain.common import Record, UtcDateTime, utcnow
from hub.domain.parties import CustomerStatus

JourneyStatus = Literal["draft", "active", "paused", "archived"]
JOURNEY_STATUSES: tuple[JourneyStatus, ...] = ("draft", "active", "paused", "archived")
StepId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
EventKind = Literal["message_received", "form_submitted", "survey_answered", "call_logged",
                    "transaction_recorded", "consent_changed", "conversation_resolved"]
EVENT_KINDS: tuple[EventKind, ...] = ("message_received", "form_submitted", "survey_answered",
                                      "call_logged", "transaction_recorded", "consent_changed",
                                      "conversation_resolved")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_INDEX: dict[str, int] = {d: i for i, d in enumerate(
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}

MIN_WAIT_MINUTES = 1
MAX_WAIT_MINUTES = 366 * 24 * 60
"""A wait is at least a minute and at most a year: 0 is a mistake, ten years a typo."""
MAX_STEPS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EventMatch(_Strict):
    """Something on the person's timeline (or a transaction) that a trigger, a wait or a
    goal looks for. Empty filters match every event of the kind."""

    kind: EventKind
    channel: SendableChannel | None = None  # message_received: on this channel only
    form_id: str | None = Field(default=None, max_length=100)
    survey_id: str | None = Field(default=None, max_length=100)
    score_min: int | None = Field(default=None, ge=0, le=10)
    score_max: int | None = Field(default=None, ge=0, le=10)
    outcome: str | None = Field(default=None, max_length=40)  # call_logged
    consent_status: Literal["opted_in", "opted_out"] | None = None
    team_id: str | None = Field(default=None, max_length=100)  # conversation_resolved: its team
    by_staff: bool | None = None  # conversation_resolved: by staff (True) or idle (False)


class Trigger(_Strict):
    """How persons enter: an event, staff or the API (manual), a date, or a segment."""

    kind: Literal["event", "manual", "date", "segment"]
    event: EventMatch | None = None
    date_field: Literal["birthday", "last_purchase"] | None = None
    days_after: int = Field(default=0, ge=0, le=3650)  # last_purchase: N days after it
    filter: dict[str, Any] | None = None  # segment: the segment filter language


class Reentry(_Strict):
    mode: Literal["once", "every_days", "always"] = "once"
    days: int = Field(default=30, ge=1, le=3650)


class Variant(_Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[A-E]$")]
    templates: dict[str, TemplateId] = Field(min_length=1, max_length=10)


class AbRules(_Strict):
    """What an A/B test measures and when it decides (shared by a journey's send step and a
    campaign, `hub.domain.campaign_ab`)."""

    test_share: int = Field(default=20, ge=1, le=100)
    metric: Literal["replies", "conversion", "survey_score"] = "replies"
    conversion: EventMatch | None = None  # metric conversion: this event ...
    window_days: int = Field(default=7, ge=1, le=60)  # ... within this many days of the send
    score_min: int = Field(default=9, ge=0, le=10)  # metric survey_score: a score this high
    decide_after_hours: int = Field(default=72, ge=1, le=24 * 60)
    confidence: float = Field(default=0.95, ge=0.8, le=0.999)


class AbTest(AbRules):
    """Variants of a send step: `test_share` percent of the persons reaching it get a
    variant (evenly); the rest wait until `decide_after_hours` after activation and then
    get the winner, or variant A when no variant is proven better."""

    variants: list[Variant] = Field(min_length=2, max_length=5)


class SendStep(_Strict):
    type: Literal["send"]
    id: StepId
    channel: SendableChannel
    templates: dict[str, TemplateId] = Field(default_factory=dict, max_length=10)
    ab: AbTest | None = None
    next: StepId | None = None


class WaitUntil(_Strict):
    weekday: Weekday | None = None  # None: the next day (or today) at `at`
    at: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class WaitStep(_Strict):
    type: Literal["wait"]
    id: StepId
    minutes: int | None = None
    until: WaitUntil | None = None
    event: EventMatch | None = None
    timeout_minutes: int | None = None
    next: StepId | None = None
    on_timeout: StepId | None = None  # an event wait that timed out goes here (else `next`)


class SplitPath(_Strict):
    share: int = Field(ge=1, le=100)
    next: StepId | None = None


class BranchStep(_Strict):
    type: Literal["branch"]
    id: StepId
    test: Literal["segment", "replied", "survey_score", "split"]
    filter: dict[str, Any] | None = None
    score_min: int | None = Field(default=None, ge=0, le=10)
    score_max: int | None = Field(default=None, ge=0, le=10)
    paths: list[SplitPath] = Field(default_factory=list, max_length=5)
    yes: StepId | None = None
    no: StepId | None = None


class SurveyStep(_Strict):
    type: Literal["survey"]
    id: StepId
    survey_id: str = Field(min_length=1, max_length=100)
    channel: SendableChannel
    next: StepId | None = None


AttributeValue = str | int | float | bool | None


class UpdateStep(_Strict):
    type: Literal["update"]
    id: StepId
    add_tags: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=20)
    remove_tags: list[str] = Field(default_factory=list, max_length=20)
    attributes: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")],
                     AttributeValue] = Field(default_factory=dict, max_length=20)
    customer_status: CustomerStatus | None = None
    next: StepId | None = None


class NotifyStep(_Strict):
    type: Literal["notify"]
    id: StepId
    team: str | None = Field(default=None, max_length=100)
    note: str = Field(default="", max_length=500)
    next: StepId | None = None


class ExitStep(_Strict):
    type: Literal["exit"]
    id: StepId


Step = Annotated[SendStep | WaitStep | BranchStep | SurveyStep | UpdateStep | NotifyStep
                 | ExitStep, Field(discriminator="type")]


def followers(step: Step) -> list[str]:
    """The step ids a step can lead to, in the order the flow shows them."""
    if isinstance(step, BranchStep):
        if step.test == "split":
            return [p.next for p in step.paths if p.next]
        return [s for s in (step.yes, step.no) if s]
    if isinstance(step, WaitStep):
        return [s for s in (step.next, step.on_timeout) if s]
    if isinstance(step, ExitStep):
        return []
    return [step.next] if step.next else []


class JourneyDefinition(_Strict):
    trigger: Trigger
    start: StepId
    steps: list[Step] = Field(min_length=1)
    goals: list[EventMatch] = Field(default_factory=list, max_length=10)
    reentry: Reentry = Field(default_factory=Reentry)
    rate_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    """Sends per minute per worker at most (a trigger storm is spread out); None: no limit."""

    def step(self, step_id: str | None) -> Step | None:
        if step_id is None:
            return None
        for step in self.steps:
            if step.id == step_id:
                return step
        return None


class AbDecision(BaseModel):
    """The outcome of a send step's A/B test, decided once."""

    step_id: str
    decided_at: UtcDateTime
    winner: str | None  # None: no variant was proven better; the rest get variant A
    sent: dict[str, int]
    successes: dict[str, int]
    p_value: float | None = None
    confidence: float = 0.95


class Journey(Record):
    id: str
    name: str
    status: JourneyStatus = "draft"
    version: int = 1
    definition: JourneyDefinition
    activated_at: UtcDateTime | None = None
    ab: dict[str, AbDecision] = Field(default_factory=dict)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class JourneyVersion(Record):
    """A definition as it was: running enrolments finish on the version they started on."""

    id: str  # "{journey_id}:{version}"
    journey_id: str
    version: int
    definition: JourneyDefinition
    created_at: UtcDateTime = Field(default_factory=utcnow)


EnrolmentState = Literal["active", "sending", "done", "exited"]
"""`active`: due at `due_at` at its step; `sending`: a send was claimed (see the engine's
crash-safety notes); `done`: ran off the end or reached an exit step; `exited`: a goal, an
opt-out, an erasure or staff ended it."""
OPEN_STATES: tuple[EnrolmentState, ...] = ("active", "sending")


class StepRecord(BaseModel):
    step_id: str
    type: str
    at: UtcDateTime = Field(default_factory=utcnow)
    outcome: str  # sent, failed, unknown, skipped, deferred, waiting, event, timeout, yes, ...
    detail: str | None = None
    event_id: str | None = None
    variant: str | None = None


class Enrolment(Record):
    id: str
    journey_id: str
    version: int
    person_id: str
    entry_key: str  # unique per journey: the re-entry rule's key (see journeys.entry_key)
    state: EnrolmentState = "active"
    step_id: str | None = None
    due_at: UtcDateTime = Field(default_factory=utcnow)
    entered_at: UtcDateTime = Field(default_factory=utcnow)
    source: str = "manual"  # what enrolled them: an event id, "manual", "date", "segment"
    waiting_since: UtcDateTime | None = None  # the current wait step started then
    wait_until: UtcDateTime | None = None  # ... and ends (or times out) then
    last_send_at: UtcDateTime | None = None
    sending_event_id: str | None = None
    lease_owner: str | None = None
    lease_until: UtcDateTime | None = None
    variants: dict[str, str] = Field(default_factory=dict)  # send step id -> A/B variant
    history: list[StepRecord] = Field(default_factory=list)
    exit_reason: str | None = None
    finished_at: UtcDateTime | None = None
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class EnrolmentCounts(BaseModel):
    """Per state, and per step of the open enrolments (where persons are now)."""

    by_state: dict[str, int] = Field(default_factory=dict)
    by_step: dict[str, int] = Field(default_factory=dict)

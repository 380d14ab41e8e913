"""Timeline events: every message, call, form, survey answer and note (DESIGN §6)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from hub.domain.channels import SendableChannel
from hub.domain.common import Record, UtcDateTime, utcnow

EventChannel = Literal[SendableChannel, "call", "webform", "survey", "note", "system"]
Direction = Literal["inbound", "outbound", "internal"]
EVENT_CHANNELS: tuple[str, ...] = get_args(EventChannel)


STATUS_RANK = {
    "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2, "receiving": 2,
    "received": 2, "delivered": 3, "undelivered": 3, "failed": 3, "canceled": 3, "bounced": 3,
    "partially_delivered": 3, "read": 4,
}
"""How far a message got; a later report of a lower rank never moves it back."""


def status_rank(status: str | None) -> int:
    return STATUS_RANK.get(status or "", -1)


class StatusChange(Record):
    status: str
    at: UtcDateTime = Field(default_factory=utcnow)
    detail: str | None = None


class CallInfo(Record):
    duration_s: int | None = None
    wait_s: int | None = None
    agent: str | None = None
    outcome: str | None = None


class FormInfo(Record):
    form_id: str
    fields: dict[str, Any] = Field(default_factory=dict)


class SurveyInfo(Record):
    survey_id: str
    score: int | None = None
    comment: str | None = None


class Event(Record):
    """Append-only; status changes append to `status_history`."""

    id: str
    person_id: str | None = None
    household_id: str | None = None
    organisation_id: str | None = None
    role_id: str | None = None
    channel: EventChannel
    direction: Direction
    occurred_at: UtcDateTime = Field(default_factory=utcnow)
    recorded_at: UtcDateTime = Field(default_factory=utcnow)
    subject: str | None = None
    text: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    status: str | None = None
    status_history: list[StatusChange] = Field(default_factory=list)
    campaign_id: str | None = None
    thread_id: str | None = None
    external_id: str | None = None
    author: str | None = None
    call: CallInfo | None = None
    form: FormInfo | None = None
    survey: SurveyInfo | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    erased: bool = False


PERSONAL_EVENT_FIELDS: tuple[str, ...] = ("subject", "text", "from", "to", "author", "form", "data")
"""What erasure blanks on an event; channel, direction, times, status and call figures stay."""


class TimelineCursor(BaseModel):
    """Position after the last event of a page: the next page starts strictly older than this."""

    occurred_at: UtcDateTime
    id: str


class TimelineQuery(BaseModel):
    """Whose timeline: a set of persons (one, or a household's members) or an organisation."""

    person_ids: list[str] | None = None
    organisation_id: str | None = None
    channel: EventChannel | None = None

"""Conversations (issue 13): a work item over the inbound and service-outbound events about
one matter of one person. The events stay on the timeline; a conversation groups them and
carries the state a service team works with: status, owner, team, labels, priority, SLA.

Status moves only by a customer's message (back to `open`), a service reply (`pending`: the
customer's turn), an explicit change by staff, or the clock (a snooze ending, an idle
conversation auto-resolved when the person writes again after REOPEN_DAYS). A campaign or
journey send never touches it.

`version` is bumped by every write; writers compare and set on it, so two staff resolving
at once give one result and no lost update. `active_key` is the person's id while the
conversation is not resolved: the store keeps it unique, so a person has at most one
unresolved conversation however many processes record their messages at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from hub.domain.common import Record, UtcDateTime, utcnow

ConversationStatus = Literal["open", "pending", "snoozed", "resolved"]
CONVERSATION_STATUSES: tuple[str, ...] = get_args(ConversationStatus)
Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
MAX_EVENTS_KEPT = 500
"""Event ids a conversation lists; older ones stay on the timeline."""
NEAR_BREACH = timedelta(hours=1)
"""A due time this close counts as near breach."""
SLA_NEVER = datetime(9999, 12, 31, tzinfo=UTC)
"""The sort key of a conversation with no SLA clock running (pending, snoozed, resolved)."""


class LastEvent(Record):
    """What the inbox shows of the newest event: channel, direction, time, a short text."""

    id: str
    channel: str
    direction: str
    occurred_at: UtcDateTime
    snippet: str = ""


class Conversation(Record):
    id: str
    person_id: str
    status: ConversationStatus = "open"
    snoozed_until: UtcDateTime | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    priority: Priority = "normal"
    channels: list[str] = Field(default_factory=list)
    """Channels of the customer's messages, first one first; replies default to the last."""
    subject: str | None = None
    event_ids: list[str] = Field(default_factory=list)
    thread_ids: list[str] = Field(default_factory=list)
    mentioned_ids: list[str] = Field(default_factory=list)
    opened_at: UtcDateTime = Field(default_factory=utcnow)
    last_event_at: UtcDateTime = Field(default_factory=utcnow)
    last_inbound_at: UtcDateTime | None = None
    last_event: LastEvent | None = None
    first_response_at: UtcDateTime | None = None
    first_response_due: UtcDateTime | None = None
    resolution_due: UtcDateTime | None = None
    resolved_at: UtcDateTime | None = None
    resolved_by: str | None = None
    auto_resolved: bool = False
    csat_score: int | None = None
    csat_event_id: str | None = None
    version: int = 1
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)

    @property
    def active_key(self) -> str | None:
        return None if self.status == "resolved" else self.person_id

    @property
    def sla_due_at(self) -> datetime | None:
        """The next SLA due time while it is our turn (open): the first response's, then the
        resolution's; None while the customer has the turn or the conversation sleeps."""
        if self.status != "open":
            return None
        if self.first_response_at is None and self.first_response_due is not None:
            return self.first_response_due
        return self.resolution_due

    @property
    def sla_sort(self) -> datetime:
        return self.sla_due_at or SLA_NEVER

    def sla_state(self, now: datetime) -> Literal["breached", "near", "ok", "none"]:
        due = self.sla_due_at
        if due is None:
            return "none"
        if due <= now:
            return "breached"
        return "near" if due - now <= NEAR_BREACH else "ok"


class BusinessHours(Record):
    """Working hours per weekday (0 = Monday), in `timezone`, and the days off."""

    timezone: str = "Europe/Amsterdam"
    days: dict[int, tuple[time, time]] = Field(default_factory=lambda: {
        d: (time(9), time(17)) for d in range(5)})
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    def add(self, start: datetime, minutes: int) -> datetime:
        """`start` plus `minutes` of business time (counted only within the working hours)."""
        zone = ZoneInfo(self.timezone)
        local = start.astimezone(zone)
        left = timedelta(minutes=minutes)
        for _ in range(400):  # a year of days is enough for any target
            hours = self.days.get(local.weekday())
            if hours is not None and local.date() not in self.holidays:
                opens = datetime.combine(local.date(), hours[0], zone)
                closes = datetime.combine(local.date(), hours[1], zone)
                begin = max(local, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            next_day = local.date() + timedelta(days=1)
            local = datetime.combine(next_day, time(0), zone)
        return start + timedelta(minutes=minutes)


class SlaPolicy(Record):
    first_response_minutes: int = Field(default=240, ge=1, le=60 * 24 * 90)
    resolution_minutes: int = Field(default=60 * 8 * 3, ge=1, le=60 * 24 * 365)
    hours: BusinessHours = Field(default_factory=BusinessHours)


DEFAULT_SLA = SlaPolicy()


class Team(Record):
    id: str
    name: str = Field(min_length=1, max_length=200)
    member_ids: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    """New conversations on these channels go to this team."""
    labels: list[str] = Field(default_factory=list)
    """A conversation given one of these labels goes to this team when it has none."""
    auto_assign: bool = False
    """Round-robin among the members for conversations routed here."""
    last_assigned_id: str | None = None
    sla: SlaPolicy | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)


class Label(Record):
    id: str
    name: str = Field(min_length=1, max_length=100)
    created_at: UtcDateTime = Field(default_factory=utcnow)


class CannedResponse(Record):
    """A reply text staff insert; `owner_id` makes it personal, `team_id` a team's, neither
    everyone's. Rendered with the same sandboxed variables as other templates."""

    id: str
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    team_id: str | None = None
    owner_id: str | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)


def _open_only() -> list[ConversationStatus]:
    return ["open"]


class CsatRule(Record):
    """Send `survey_id` when a conversation matching the rule is resolved: every field left
    None matches anything. Never on a resolution by the clock unless `on_auto_resolve`."""

    id: str
    survey_id: str
    team_id: str | None = None
    channel: str | None = None
    label: str | None = None
    on_auto_resolve: bool = False
    enabled: bool = True
    created_at: UtcDateTime = Field(default_factory=utcnow)

    def matches(self, conversation: Conversation, *, auto: bool) -> bool:
        return (self.enabled and (self.on_auto_resolve or not auto)
                and self.team_id in (None, conversation.team_id)
                and (self.channel is None or self.channel in conversation.channels)
                and (self.label is None or self.label in conversation.labels))


class ConversationQuery(Record):
    """Which conversations an inbox shows. `assignee_id` "none" means unassigned."""

    statuses: list[ConversationStatus] = Field(default_factory=_open_only)
    assignee_id: str | None = None
    unassigned: bool = False
    team_id: str | None = None
    label: str | None = None
    channel: str | None = None
    person_id: str | None = None
    mentioned_id: str | None = None
    breached_at: UtcDateTime | None = None
    """Only those whose SLA due time is at or before this time (SLA breached)."""


SortKey = Literal["newest", "oldest", "sla"]
SORT_KEYS: tuple[str, ...] = get_args(SortKey)


def sort_value(conversation: Conversation, sort: SortKey) -> datetime:
    return conversation.sla_sort if sort == "sla" else conversation.last_event_at

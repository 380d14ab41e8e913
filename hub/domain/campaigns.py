"""Saved segments, message templates, campaigns and their deliveries (DESIGN §5, §6)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from hub.domain.campaign_ab import CampaignAbTest
from hub.domain.channels import CHANNEL_CHOICES, SendableChannel
from hub.domain.common import Record, UtcDateTime, utcnow
from hub.domain.journeys import AbDecision

TemplateChannel = SendableChannel
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}\Z")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})?\Z")
VARIABLE_KEY = re.compile(r"[1-9][0-9]?\Z")


def _known_sids(value: dict[str, str]) -> dict[str, str]:
    for language, sid in value.items():
        if not LANGUAGE.match(language):
            raise ValueError(f"not a language tag: {language[:20]!r}")
        if not CONTENT_SID.match(sid):
            raise ValueError(f"not a Twilio Content SID (HX + 32 hex digits): {sid[:40]!r}")
    return value


def _numbered(value: dict[str, str]) -> dict[str, str]:
    for key, source in value.items():
        if not VARIABLE_KEY.match(key) or len(source) > 2000:
            raise ValueError(f"variables are numbered 1 to 99 (≤ 2000 characters): {key[:20]!r}")
    return value


ContentSids = Annotated[dict[str, str], AfterValidator(_known_sids)]
ContentVariables = Annotated[dict[str, str], AfterValidator(_numbered)]
CampaignStatus = Literal["draft", "scheduled", "running", "paused", "completed", "cancelled"]
CampaignKind = Literal["message", "survey"]
DeliveryStatus = Literal["queued", "leased", "sending", "sent", "delivered", "failed",
                         "skipped", "unknown", "cancelled"]
"""queued: waiting; leased: a worker holds it and has sent nothing yet (an expired lease is
simply taken again); sending: the outbound event is recorded and the send may have started
(an expired one is reconciled, never resent); then one of the final states."""

FINAL_DELIVERY: frozenset[str] = frozenset({"sent", "delivered", "failed", "skipped", "unknown",
                                           "cancelled"})
OPEN_DELIVERY: tuple[str, ...] = ("queued", "leased", "sending")

TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    "draft": frozenset({"scheduled", "running", "cancelled"}),
    "scheduled": frozenset({"running", "paused", "cancelled"}),
    "running": frozenset({"paused", "completed", "cancelled"}),
    "paused": frozenset({"running", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}


class Segment(Record):
    id: str
    name: str = Field(min_length=1, max_length=200)
    filter: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)
    counted: int | None = None
    """The last count of matching persons (None: never counted, or too expensive)."""
    counted_at: UtcDateTime | None = None
    count_error: str | None = None
    """Why the last count failed (a filter too expensive), shown instead of a number."""


class MessageTemplate(Record):
    """Jinja2 source per part; `subject` and `html` only for email."""

    id: str
    name: str = Field(min_length=1, max_length=200)
    channel: TemplateChannel
    subject: str | None = Field(default=None, max_length=2000)
    body: str = Field(max_length=100_000)
    html: str | None = Field(default=None, max_length=500_000)
    content_sids: ContentSids = Field(default_factory=dict, max_length=20)
    """WhatsApp: the approved template per language (`{"nl": "HX…", "en": "HX…"}`, Twilio
    Content API), sent outside the 24-hour window; `body` is what the timeline shows."""
    content_variables: ContentVariables = Field(default_factory=dict, max_length=20)
    """Its variables, each a Jinja expression rendered per person (`{"1": "{{ person.first_name
    }}"}`)."""
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class Campaign(Record):
    id: str
    name: str = Field(min_length=1, max_length=200)
    kind: CampaignKind = "message"
    segment_id: str | None = None
    filter: dict[str, Any] | None = None
    channels: list[str] = Field(default_factory=lambda: list(CHANNEL_CHOICES))
    templates: dict[str, str] = Field(default_factory=dict)
    # The language `templates` are written in (HUB_DEFAULT_LANGUAGE when none is given), and
    # templates in other languages: language → channel → template id. A recipient gets their
    # language's template, else `templates` (a fallback, counted in the campaign's stats).
    language: str | None = Field(default=None, max_length=35)
    language_templates: dict[str, dict[str, str]] = Field(default_factory=dict)
    survey_id: str | None = None
    send_at: UtcDateTime | None = None
    rate_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    require_opt_in: bool = False
    one_per_household: bool = False
    topic_id: str | None = None  # persons who opted out of this topic are skipped
    status: CampaignStatus = "draft"
    paused_reason: str | None = None  # set when Hub paused it: a channel needs an operator
    audience: int = 0
    snapshot_complete: bool = False
    created_at: UtcDateTime = Field(default_factory=utcnow)
    launched_at: UtcDateTime | None = None
    finished_at: UtcDateTime | None = None
    updated_at: UtcDateTime = Field(default_factory=utcnow)
    warmup: list[int] | None = Field(default=None, max_length=60)
    """A new sending domain's daily volume ramp: at most warmup[d] sends on day d after the
    launch (days beyond the list: no limit)."""
    paused_guard: dict[str, Any] | None = None  # set when a deliverability guardrail paused it
    guard_baseline: dict[str, int] | None = None  # the figures at the last resume
    preflight_skip: bool = False  # launched skipping persons its templates fail for
    ab: CampaignAbTest | None = None  # an A/B test (hub.domain.campaign_ab)
    ab_decision: AbDecision | None = None  # its outcome, decided once


class Delivery(Record):
    """One campaign message to one person; unique on (campaign_id, person_id)."""

    id: str
    campaign_id: str
    person_id: str
    household_id: str | None = None
    household_key: str | None = None  # set with one_per_household: unique per campaign
    status: DeliveryStatus = "queued"
    channel: str | None = None
    attempts: int = 0
    not_before: UtcDateTime | None = None
    lease_owner: str | None = None
    lease_until: UtcDateTime | None = None
    event_id: str | None = None
    provider_id: str | None = None
    reason: str | None = None
    opted_out_at: UtcDateTime | None = None
    language: str | None = None  # the language of the template it was sent with
    language_fallback: bool = False  # no template in the recipient's language: the default's
    variant: str | None = None  # A/B: the variant sent (`rest` until decided, then `rest:B`)
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class DeliveryCounts(Record):
    """Deliveries of one campaign by status (absent statuses are 0)."""

    by_status: dict[str, int] = Field(default_factory=dict)
    opted_out: int = 0
    language_fallbacks: int = 0  # sent in the campaign's language, not the recipient's

    def get(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


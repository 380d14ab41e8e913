"""Satisfaction surveys (DESIGN §1): NPS (0-10) or CSAT (1-5), their personal links, the
answers, and the event rules that send them (e.g. after a resolved call)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from hub.domain.channels import ChannelChoice, SendableChannel, every_channel_choice
from hub.domain.common import Record, UtcDateTime, utcnow

SurveyKind = Literal["nps", "csat"]
AnswerChannel = Literal["link", "sms", "email", "call", "whatsapp"]
ANSWER_CHANNELS: tuple[str, ...] = get_args(AnswerChannel)
SCALE: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}


class SurveyTexts(Record):
    """The words of a survey in one language."""

    question: str = Field(min_length=1, max_length=1000)
    follow_up: str | None = Field(default=None, max_length=1000)
    thank_you: str | None = Field(default=None, max_length=1000)


class Survey(Record):
    id: str
    name: str = Field(min_length=1, max_length=200)
    kind: SurveyKind
    question: str = Field(min_length=1, max_length=1000)
    follow_up: str | None = Field(default=None, max_length=1000)
    thank_you: str | None = Field(default=None, max_length=1000)
    language: str = Field(default="en", min_length=2, max_length=10)
    translations: dict[str, SurveyTexts] = Field(default_factory=dict)
    created_at: UtcDateTime = Field(default_factory=utcnow)

    @property
    def scale(self) -> tuple[int, int]:
        return SCALE[self.kind]

    def texts(self, language: str | None) -> SurveyTexts:
        """The texts in `language` (`nl`, or `nl-BE` falling back to `nl`), a text missing
        there taken from the default language."""
        for key in (language or "", (language or "").split("-")[0]):
            if key and key in self.translations:
                found = self.translations[key]
                return SurveyTexts(question=found.question,
                                   follow_up=found.follow_up or self.follow_up,
                                   thank_you=found.thank_you or self.thank_you)
        return SurveyTexts(question=self.question, follow_up=self.follow_up,
                           thank_you=self.thank_you)


class SurveyToken(Record):
    """A personal link `/s/{token}`: long, random, and bound to one send of one survey."""

    token: str
    survey_id: str
    person_id: str
    send_key: str  # the send it belongs to: `campaign:ID`, `trigger:RULE:EVENT`, `manual:ID`
    campaign_id: str | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)
    expires_at: UtcDateTime


class SurveyResponse(Record):
    """One person's answer to one send of a survey; unique on `key` (survey, person, send), so
    a later answer to the same send replaces the earlier one."""

    id: str
    key: str
    survey_id: str
    person_id: str
    campaign_id: str | None = None
    trigger_id: str | None = None
    channel: AnswerChannel
    score: int
    comment: str | None = Field(default=None, max_length=5000)
    event_id: str
    answered_at: UtcDateTime = Field(default_factory=utcnow)
    first_answered_at: UtcDateTime = Field(default_factory=utcnow)


TriggerChannel = ChannelChoice


class TriggerRule(Record):
    """"After a call with outcome `resolved`, send the CSAT survey on the person's preferred
    channel after 2 hours, at most once per 30 days per person"."""

    id: str
    name: str = Field(min_length=1, max_length=200)
    survey_id: str
    event_channel: Literal["call"] | SendableChannel = "call"
    outcome: str | None = Field(default=None, max_length=40)  # calls: match call.outcome
    direction: Literal["inbound", "outbound"] | None = None
    delay_minutes: int = Field(default=120, ge=0, le=60 * 24 * 30)
    cap_days: int = Field(default=30, ge=0, le=3650)
    channels: list[TriggerChannel] = Field(default_factory=every_channel_choice)
    templates: dict[str, str] = Field(default_factory=dict)  # channel → template id (optional)
    enabled: bool = True
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _channels(self) -> TriggerRule:
        if not self.channels:
            raise ValueError("give at least one channel")
        return self


FiringStatus = Literal["pending", "sent", "skipped", "failed"]


class TriggerFiring(Record):
    """One firing of a rule for one source event; unique on (rule_id, event_id)."""

    id: str
    rule_id: str
    event_id: str
    person_id: str
    survey_id: str
    due_at: UtcDateTime
    status: FiringStatus = "pending"
    reason: str | None = None
    channel: str | None = None
    sent_event_id: str | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)

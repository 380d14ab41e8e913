"""The campaign wizard's form (segment → channels in order → templates per channel → schedule
and rate), read from the query while stepping through it and from the post that creates the
draft, and turned into the Campaign the campaign service checks and stores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator

from hub.domain.campaigns import CHANNEL_CHOICES, Campaign
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.common import new_id
from hub.errors import InvalidInput
from hub.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, supported
from hub.i18n.parsing import DATETIME_EXAMPLE, local_input_value, parse_datetime
from hub.web.ui.form_input import Checkbox, Cut, PageForm, validated
from hub.web.ui.render import translate

DEFAULT_ORDER = ["preferred", *SENDABLE_CHANNELS]
Id = Annotated[str, Cut(64)]


class CampaignForm(PageForm):
    name: Annotated[str, Cut(200)] = ""
    kind: Annotated[str, BeforeValidator(lambda v: "survey" if v == "survey" else "message")] \
        = "message"
    survey_id: Id = ""
    segment_id: Id = ""
    channel_0: str = ""
    channel_1: str = ""
    channel_2: str = ""
    channel_3: str = ""
    template_email: Id = ""
    template_sms: Id = ""
    template_whatsapp: Id = ""
    # the language of those templates, and optional templates in the other language
    language: Annotated[str, Cut(10)] = ""
    other_email: Id = ""
    other_sms: Id = ""
    send_at: Annotated[str, Cut(40)] = ""
    rate_per_minute: Annotated[str, Cut(12)] = ""
    require_opt_in: Checkbox = False
    one_per_household: Checkbox = False
    topic_id: Id = ""
    options_shown: Checkbox = False  # the form was shown: an unchecked box means "no"
    warmup: Annotated[str, Cut(400)] = ""  # daily volumes for a new sending domain: 200, 500

    @model_validator(mode="before")
    @classmethod
    def _survey_only_for_surveys(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") != "survey":
            return {**data, "survey_id": ""}
        return data

    @model_validator(mode="before")
    @classmethod
    def _opted_in_only_by_default(cls, data: Any) -> Any:
        """A fresh wizard starts with "only persons who opted in" ticked."""
        if isinstance(data, dict) and not data.get("options_shown"):
            return {**data, "require_opt_in": "on"}
        return data

    @property
    def channels(self) -> list[str]:
        """The chosen order (known choices, without repeats); none chosen: all, preferred
        first."""
        chosen = [self.channel_0, self.channel_1, self.channel_2, self.channel_3]
        return list(dict.fromkeys(c for c in chosen if c in CHANNEL_CHOICES)) or DEFAULT_ORDER

    @property
    def templates(self) -> dict[str, str]:
        chosen = {"email": self.template_email, "sms": self.template_sms,
                  "whatsapp": self.template_whatsapp}
        return {c: t for c, t in chosen.items() if t}

    @property
    def template_channels(self) -> list[str]:
        """The channels the campaign will have texts for (a survey without chosen templates
        gets the default texts on every channel)."""
        if self.kind == "survey" and not self.templates:
            return list(SENDABLE_CHANNELS)
        return list(self.templates)

    def other_language(self, default: str) -> str:
        """The language the `other_*` templates are in: not the campaign's."""
        own = supported(self.language) or default
        return next(language for language in LANGUAGES if language != own)

    def language_templates(self, default: str) -> dict[str, dict[str, str]]:
        chosen = {"email": self.other_email, "sms": self.other_sms}
        other = {c: t for c, t in chosen.items() if t}
        return {self.other_language(default): other} if other else {}

    def send_at_shown(self, timezone: str | None) -> str:
        """The time as the `datetime-local` field shows it again (in `timezone`); what does
        not parse is shown as typed."""
        moment = parse_datetime(self.send_at, timezone)
        return local_input_value(moment, timezone) if moment else self.send_at

    def campaign(self, timezone: str | None = None, default_language: str = DEFAULT_LANGUAGE
                 ) -> Campaign:
        """A new draft as the form describes it, its send time read in `timezone` (the
        viewer's) and stored as UTC; InvalidInput names what is missing."""
        if not self.name:
            raise InvalidInput(N_("Give the campaign a name."), details={"field": "name"})
        if not self.segment_id:
            raise InvalidInput(N_("Choose a segment."), details={"field": "segment_id"})
        rate = self.rate_per_minute.strip()
        if rate and not rate.isdigit():
            raise InvalidInput(N_("The rate is a whole number of messages per minute."),
                               details={"field": "rate_per_minute"})
        return validated(Campaign, {
            "id": new_id(), "name": self.name, "kind": self.kind,
            "survey_id": self.survey_id or None, "segment_id": self.segment_id,
            "channels": self.channels, "templates": self.templates,
            "language": supported(self.language) or default_language,
            "language_templates": self.language_templates(default_language),
            "send_at": _send_at(self.send_at, timezone),
            "rate_per_minute": int(rate) if rate else None,
            "require_opt_in": self.require_opt_in, "one_per_household": self.one_per_household,
            "topic_id": self.topic_id or None,
            "warmup": _warmup(self.warmup)})


def _warmup(text: str) -> list[int] | None:
    """"200, 500, 1000" as daily volumes; empty: no warm-up."""
    parts = [p.strip().replace(".", "") for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    if not all(p.isdigit() and 0 < int(p) <= 10_000_000 for p in parts) or len(parts) > 60:
        raise InvalidInput(N_("Warm-up: give the daily volumes as whole numbers separated by "
                              "commas, e.g. 200, 500, 1000 (at most 60 days)."),
                           details={"field": "warmup"})
    return [int(p) for p in parts]


def _send_at(text: str, timezone: str | None) -> datetime | None:
    if not text.strip():
        return None
    moment = parse_datetime(text, timezone or "UTC")
    if moment is None:
        raise InvalidInput(translate(
            N_("Send at: %(value)s is not a date and time; write it as %(example)s "
               "(day-month-year, 24-hour clock)."),
            value=repr(text[:40]), example=DATETIME_EXAMPLE), details={"field": "send_at"})
    return moment

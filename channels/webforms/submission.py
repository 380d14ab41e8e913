"""A submission checked against its form: every field cleaned, all problems at once, spam
recognised by its honeypot, nothing written anywhere."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from channels.webforms.fields import FieldError, clean, read_flag
from hub.domain.forms import FormDefinition
from hub.i18n import N_
from hub.services.forms import (
    ADDRESS_TYPES,
    CONSENT_FIELD,
    HONEYPOT_FIELD,
    SUBMISSION_ID_FIELD,
)

_SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True, slots=True)
class Submission:
    values: dict[str, Any]
    """Clean values by field name: normalised addresses, stripped text, booleans."""
    consent: bool
    submission_id: str | None
    errors: dict[str, str] = field(default_factory=dict)
    """Field name -> what to fix; empty when the submission can be recorded."""
    spam: bool = False
    typed: dict[str, str] = field(default_factory=dict)
    """What the person typed, to fill the form in again next to the errors."""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.spam


def _typed(raw: Mapping[str, Any]) -> dict[str, str]:
    typed: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, list) and value:
            value = value[-1]
        if isinstance(value, str):
            typed[name] = value[:10_000]
        elif isinstance(value, bool):
            typed[name] = "on" if value else ""
    return typed


def parse_submission(
    form: FormDefinition, raw: Mapping[str, Any], *, default_region: str
) -> Submission:
    """Check `raw` (form-encoded values or a JSON object) against `form`. Unknown keys are
    ignored, as a plain `<form>` on another site may carry its own hidden inputs."""
    typed = _typed(raw)
    submission_id = _last(raw.get(SUBMISSION_ID_FIELD))
    if not (isinstance(submission_id, str) and _SUBMISSION_ID.match(submission_id)):
        submission_id = None
    honeypot = _last(raw.get(HONEYPOT_FIELD))
    if honeypot not in (None, ""):
        return Submission(values={}, consent=False, submission_id=submission_id, spam=True)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        try:
            values[spec.name] = clean(spec, raw.get(spec.name), default_region)
        except FieldError as exc:
            errors[spec.name] = str(exc)
    consent = False
    if form.consent_text:
        try:
            consent = read_flag(_one(raw.get(CONSENT_FIELD)))
        except FieldError as exc:
            errors[CONSENT_FIELD] = str(exc)
    address_fields = [s.name for s in form.fields if s.type in ADDRESS_TYPES]
    if address_fields and not any(values.get(n) or n in errors for n in address_fields):
        errors[address_fields[0]] = (
            N_("Enter an email address or a phone number so we can reach you.")
            if len(address_fields) > 1 else N_("This field is required."))
    return Submission(values=values, consent=consent, submission_id=submission_id,
                      errors=errors, typed=typed)


def _last(value: Any) -> Any:
    return value[-1] if isinstance(value, list) and value else value


def _one(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) != 1:
            raise FieldError(N_("Tick the box or leave it empty."))
        return value[0]
    return value

"""Web forms defined by staff: their fields, consent text and where they may be embedded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hub.domain.common import Record, UtcDateTime, utcnow
from hub.domain.consent import ConsentChannel

FormFieldType = Literal["email", "phone", "text", "textarea", "select", "checkbox"]
FORM_FIELD_TYPES: tuple[FormFieldType, ...] = (
    "email", "phone", "text", "textarea", "select", "checkbox"
)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


def _email_only() -> list[ConsentChannel]:
    return ["email"]


class FormField(Record):
    name: str = Field(pattern=FIELD_NAME_PATTERN)
    label: str
    type: FormFieldType
    required: bool = False
    options: list[str] = Field(default_factory=list)
    """The choices of a `select`."""
    max_length: int = Field(default=1000, ge=1)


class FormDefinition(Record):
    """A form, served at `/f/{slug}`; `slug` is unique."""

    id: str
    slug: str = Field(pattern=SLUG_PATTERN)
    title: str
    fields: list[FormField] = Field(default_factory=list)
    consent_text: str | None = None
    consent_channels: list[ConsentChannel] = Field(default_factory=_email_only)
    thank_you: str | None = None
    redirect_url: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    language: str | None = Field(default=None, max_length=35)
    """The language of the page's own texts (`nl`/`en`); None follows the visitor."""
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _unique_field_names(self) -> FormDefinition:
        names = [field.name for field in self.fields]
        if len(names) != len(set(names)):
            raise ValueError("form field names must be unique")
        return self

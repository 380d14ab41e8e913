"""Staff accounts and API tokens."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow

StaffRole = Literal["admin", "marketing", "service"]
STAFF_ROLES: tuple[str, ...] = ("admin", "marketing", "service")


class User(Record):
    id: str
    email: str
    name: str = ""
    role: StaffRole
    password_hash: str = Field(repr=False)
    disabled: bool = False
    language: str | None = Field(default=None, max_length=35)
    """The UI language (`nl`/`en`); None follows the browser, then HUB_DEFAULT_LANGUAGE."""
    timezone: str | None = Field(default=None, max_length=64)
    """An IANA zone for times on pages; None is HUB_TIMEZONE."""
    created_at: UtcDateTime = Field(default_factory=utcnow)


class ApiToken(Record):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    id: str
    name: str
    role: StaffRole
    token_hash: str = Field(repr=False)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    revoked_at: UtcDateTime | None = None

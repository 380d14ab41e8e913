"""Staff accounts and API tokens."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow

StaffRole = Literal["admin", "marketing", "service"]
STAFF_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)

# Who may use a route or a page, named once for the API and the staff UI; admin passes
# everywhere (`may_use`), so ADMIN_ONLY lets nobody else in.
SERVICE: frozenset[StaffRole] = frozenset({"service"})
MARKETING: frozenset[StaffRole] = frozenset({"marketing"})
STAFF: frozenset[StaffRole] = frozenset({"service", "marketing"})
ADMIN_ONLY: frozenset[StaffRole] = frozenset()


def may_use(role: StaffRole, allowed: frozenset[StaffRole]) -> bool:
    return role == "admin" or role in allowed


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

"""Staff log-in sessions kept server-side (so a session can be ended) and one-time password
reset links (only the SHA-256 of the link's token is stored)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow


class StaffSession(Record):
    """One logged-in browser. `id` is the SHA-256 of the cookie's nonce: the store never holds
    what the cookie holds. Active while `ended_at` is None and `expires_at` is ahead."""

    id: str
    user_id: str
    created_at: UtcDateTime = Field(default_factory=utcnow)
    last_seen_at: UtcDateTime = Field(default_factory=utcnow)
    expires_at: UtcDateTime
    client: str = Field(default="", max_length=100)
    """The client address it logged in from."""
    user_agent: str = Field(default="", max_length=300)
    ended_at: UtcDateTime | None = None

    def active(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now


class PasswordReset(Record):
    """A one-time link an admin made for a user: usable once, before `expires_at`."""

    id: str
    user_id: str
    token_hash: str = Field(repr=False)
    created_by: str = ""
    created_at: UtcDateTime = Field(default_factory=utcnow)
    expires_at: UtcDateTime
    used_at: UtcDateTime | None = None

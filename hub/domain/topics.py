"""Topics: the subjects marketing writes about (newsletter, offers, events). A campaign picks
one; a person can opt out of a topic in the preference centre and is then skipped by every
campaign on it, whatever their channel consent says."""

from __future__ import annotations

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow


class Topic(Record):
    id: str
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    created_at: UtcDateTime = Field(default_factory=utcnow)

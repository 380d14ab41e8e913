"""The audit of one merge: what moved from the duplicate into the survivor, and both persons
as they were, so that an unmerge within the audit's retention can move everything back
(identities, roles, events, transactions, each address's consent records)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow
from hub.domain.identities import Identity
from hub.domain.parties import Person, Role

MERGE_AUDIT_RETENTION = timedelta(days=30)


class MergeRecord(Record):
    id: str
    survivor_id: str
    duplicate_id: str
    at: UtcDateTime = Field(default_factory=utcnow)
    by: str | None = None  # the staff member or token that merged
    survivor_before: Person
    duplicate_before: Person
    identities: list[Identity] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    event_ids: list[str] = Field(default_factory=list)
    transaction_ids: list[str] = Field(default_factory=list)
    expires_at: UtcDateTime
    undone_at: UtcDateTime | None = None
    undone_by: str | None = None

    def can_undo(self) -> bool:
        return self.undone_at is None and utcnow() < self.expires_at

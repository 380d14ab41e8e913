"""Inbound input that could not be turned into an event, kept raw with the reason (DESIGN §3).

The raw bytes live in the blob store (`hub.store.blobs`), never in the record: a record
names them by `blob_key` (the SHA-256 hex of the bytes, also kept as `sha256`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow

QuarantineStatus = Literal["held", "resolved", "failed_again"]
QUARANTINE_STATUSES: tuple[QuarantineStatus, ...] = ("held", "resolved", "failed_again")

SHA256_HEX = r"^[0-9a-f]{64}$"


class QuarantineEntry(Record):
    """One piece of raw inbound input held for staff. `sha256` is unique in the store: the
    same bytes arriving twice are one entry."""

    id: str
    source: str = Field(min_length=1, max_length=200)
    """Where it came from, e.g. `imap:INBOX`, `mta`, `cli`."""
    reason: str
    received_at: UtcDateTime = Field(default_factory=utcnow)
    size: int = Field(ge=0)
    """Length of the raw bytes."""
    sha256: str = Field(pattern=SHA256_HEX)
    blob_key: str = Field(min_length=1)
    """Where the raw bytes live in the blob store."""
    status: QuarantineStatus = "held"
    event_id: str | None = None
    """The event a successful retry stored."""
    attempts: int = Field(default=0, ge=0)
    details: dict[str, Any] = Field(default_factory=dict)

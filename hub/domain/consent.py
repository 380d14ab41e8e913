"""Consent per person and channel, with its proof (source, time, the exact text shown)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow

ConsentChannel = Literal["email", "sms", "call"]
ConsentStatus = Literal["opted_in", "opted_out", "unknown"]
CONSENT_CHANNELS: tuple[ConsentChannel, ...] = ("email", "sms", "call")


class ConsentState(Record):
    status: ConsentStatus = "unknown"
    source: str | None = Field(default=None, max_length=200)
    at: UtcDateTime | None = None
    text: str | None = Field(default=None, max_length=5000)


def consent_change(status: ConsentStatus, source: str, text: str | None = None) -> ConsentState:
    return ConsentState(status=status, source=source, at=utcnow(), text=text)

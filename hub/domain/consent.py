"""Consent per person and channel, with its proof (source, time, the exact text shown)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from hub.domain.channels import SendableChannel
from hub.domain.common import Record, UtcDateTime, utcnow

ConsentChannel = Literal[SendableChannel, "call"]
ConsentStatus = Literal["opted_in", "opted_out", "unknown"]
CONSENT_CHANNELS: tuple[ConsentChannel, ...] = get_args(ConsentChannel)


class ConsentState(Record):
    status: ConsentStatus = "unknown"
    source: str | None = Field(default=None, max_length=200)
    at: UtcDateTime | None = None
    text: str | None = Field(default=None, max_length=5000)


def consent_change(status: ConsentStatus, source: str, text: str | None = None) -> ConsentState:
    return ConsentState(status=status, source=source, at=utcnow(), text=text)

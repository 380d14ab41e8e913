"""Consent per person and channel, with its proof (source, time, the exact text shown)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from hub.domain.channels import SendableChannel
from hub.domain.common import Record, UtcDateTime, utcnow

ConsentChannel = Literal[SendableChannel, "call"]
ConsentStatus = Literal["opted_in", "pending", "opted_out", "unknown"]
"""`pending`: given on an anonymous form, waiting for the address owner to confirm (double
opt-in); it never counts as an opt-in."""
CONSENT_STATUSES: tuple[ConsentStatus, ...] = get_args(ConsentStatus)
CONSENT_CHANNELS: tuple[ConsentChannel, ...] = get_args(ConsentChannel)


class ConsentState(Record):
    status: ConsentStatus = "unknown"
    source: str | None = Field(default=None, max_length=200)
    at: UtcDateTime | None = None
    text: str | None = Field(default=None, max_length=5000)
    address: str | None = Field(default=None, max_length=320)  # the address it was given for
    client: str | None = Field(default=None, max_length=200)  # who asked: IP of a form post
    confirmation: str | None = Field(default=None, max_length=200)  # how the owner confirmed


def consent_change(status: ConsentStatus, source: str, text: str | None = None) -> ConsentState:
    return ConsentState(status=status, source=source, at=utcnow(), text=text)

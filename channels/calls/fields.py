"""The fields of one call, however it arrives (staff log, CSV export, Twilio callback), and
readers for the forms exports write them in (durations as 95, 1:35 or 0:01:35; directions
as in/out, inbound/outbound, incoming/outgoing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hub.domain.common import UtcDateTime

CallDirection = Literal["inbound", "outbound"]
CALL_FIELDS: tuple[str, ...] = (
    "started_at", "direction", "number", "agent", "duration_s", "wait_s", "outcome",
    "external_id", "notes")
REQUIRED_CSV_FIELDS: tuple[str, ...] = ("started_at", "direction", "number")

DIRECTIONS: dict[str, CallDirection] = {
    "in": "inbound", "inbound": "inbound", "incoming": "inbound", "inkomend": "inbound",
    "out": "outbound", "outbound": "outbound", "outgoing": "outbound", "uitgaand": "outbound",
    "outbound-api": "outbound", "outbound-dial": "outbound",
}


def read_direction(value: object) -> object:
    if isinstance(value, str):
        found = DIRECTIONS.get(value.strip().lower())
        if found is None:
            raise ValueError("direction must be inbound or outbound")
        return found
    return value


def read_seconds(value: object) -> object:
    """Whole seconds from `95`, `95.0`, `1:35` or `0:01:35`; blank means unknown."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if ":" in text:
        parts = text.split(":")
        if len(parts) > 3 or not all(p.isdigit() for p in parts):
            raise ValueError("a duration is seconds, M:SS or H:MM:SS")
        total = 0
        for part in parts:
            total = total * 60 + int(part)
        return total
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError("a duration is seconds, M:SS or H:MM:SS") from None
    return round(seconds)


def read_time(value: object) -> object:
    """ISO 8601, with `T` or a space; without an offset the time is taken as UTC."""
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("started_at must be an ISO 8601 time, e.g. "
                             "2026-03-01T09:30:00Z") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def blank_is_none(value: object) -> object:
    return (value.strip() or None) if isinstance(value, str) else value


Seconds = Annotated[
    Annotated[int, Field(ge=0, le=7 * 24 * 3600)] | None, BeforeValidator(read_seconds)]


Blank = BeforeValidator(blank_is_none)  # optional text: blank counts as absent
Text40 = Annotated[Annotated[str, Field(max_length=40)] | None, Blank]
Text100 = Annotated[Annotated[str, Field(max_length=100)] | None, Blank]
Text200 = Annotated[Annotated[str, Field(max_length=200)] | None, Blank]
LongText = Annotated[Annotated[str, Field(max_length=20_000)] | None, Blank]


class CallFields(BaseModel):
    """A call as staff or an export describe it."""

    model_config = ConfigDict(extra="forbid", str_max_length=20_000)

    started_at: Annotated[UtcDateTime | None, BeforeValidator(read_time)] = None
    direction: Annotated[CallDirection, BeforeValidator(read_direction)]
    duration_s: Seconds = None
    wait_s: Seconds = None
    agent: Text200 = None
    outcome: Text200 = None
    notes: LongText = None
    external_id: Text200 = None


class CallLogInput(CallFields):
    """`POST /api/v1/calls`: the person by id, or by phone number (found or created)."""

    person_id: Text100 = None
    phone: Text40 = None


class CsvCall(CallFields):
    """One line of a telephony export; the number is required there."""

    started_at: Annotated[UtcDateTime, BeforeValidator(read_time)]
    number: Annotated[str, BeforeValidator(blank_is_none), Field(max_length=40)]

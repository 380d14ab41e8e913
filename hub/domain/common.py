"""Ids, times and the base record every stored document derives from."""

from __future__ import annotations

import ipaddress
import os
import time
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, TypeAdapter

_last_id_ms = 0
_sequence = 0


def new_id() -> str:
    """A 24-hex-digit id that sorts by creation time: ms clock, a per-process sequence within
    the same ms (so ids made one after another sort in that order), then 4 random bytes."""
    global _last_id_ms, _sequence
    now_ms = max(int(time.time() * 1000), _last_id_ms)
    _sequence = _sequence + 1 if now_ms == _last_id_ms else 0
    if _sequence > 0xFFFF:
        now_ms, _sequence = now_ms + 1, 0
    _last_id_ms = now_ms
    return f"{now_ms:012x}{_sequence:04x}{os.urandom(4).hex()}"


# pydantic's own UTC (one instance, given to every `…Z` it parses): asking its offset costs
# more than the rest of the check, so both UTCs are recognised by identity first
_PARSED_UTC = TypeAdapter(datetime).validate_json('"2000-01-01T00:00:00Z"').tzinfo


def to_utc_ms(value: datetime) -> datetime:
    """Aware UTC with millisecond precision, the resolution both stores keep."""
    if value.microsecond % 1000 == 0 and (
            value.tzinfo is UTC or value.tzinfo is _PARSED_UTC
            or (value.tzinfo is not None and not value.utcoffset())):
        return value  # the common case, kept cheap: this runs for every time of every record
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@lru_cache(maxsize=4096)  # a record's times and a chunk's leases recur: formatting them took
def iso(value: datetime) -> str:  # some 7% of the campaign dispatch loop's CPU
    """Fixed-width ISO 8601 UTC (`2026-11-23T07:22:53.123Z`): sorts as text, as SQLite needs."""
    if value.tzinfo is UTC and not value.microsecond % 1000:  # `utcnow()`'s: every record's
        return value.isoformat(timespec="milliseconds")[:-6] + "Z"  # drop "+00:00"
    return to_utc_ms(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> datetime:
    # whole milliseconds as a float of seconds: the nearest double is within 0.12 µs of the
    # exact value, and `fromtimestamp` rounds to the µs (twice as fast as now().replace())
    return datetime.fromtimestamp(time.time_ns() // 1_000_000 / 1000, UTC)


UtcDateTime = Annotated[
    datetime, AfterValidator(to_utc_ms), PlainSerializer(iso, return_type=str, when_used="json")
]
"""A datetime kept as aware UTC in ms; JSON is the fixed-width ISO form."""

IsoDate = Annotated[date, PlainSerializer(date.isoformat, return_type=str, when_used="always")]
"""A calendar date, always stored as `YYYY-MM-DD` (BSON has no date-only type)."""


class Record(BaseModel):
    """A stored document. Unknown keys from older or newer releases are ignored on read."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", validate_assignment=True)

    def to_doc(self) -> dict[str, Any]:
        """Plain Python values (datetimes kept) under their public names, for a store."""
        return self.model_dump(by_alias=True)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe values under their public names, for the API."""
        return self.model_dump(mode="json", by_alias=True)


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address (a name is not resolved)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

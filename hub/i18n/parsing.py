"""Reading what people type in local formats: a date and time as a Dutch reader writes it
(`31-12-2026 09:00`), or as a browser's date-time field sends it (`2026-12-31T09:00`), in the
viewer's time zone, stored and compared as UTC; a date (`31-12-2026`); a number with a
decimal comma (`12,5`). A text that does not parse is None, and the caller says which format
it expects (`DATETIME_EXAMPLE`, `DATE_EXAMPLE`, `NUMBER_EXAMPLE`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from babel import numbers

from hub.i18n.formats import babel_locale, zone

DATETIME_EXAMPLE = "31-12-2026 09:00"
# day-month-year with -, / or . between, an optional time (a space, T or a comma before it)
_LOCAL = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
                    r"(?:[ T,]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?)?")


def parse_datetime(text: str, timezone: str | None) -> datetime | None:
    """`text` as an aware UTC datetime: ISO 8601 (a browser's `datetime-local` value, or
    with an offset, which is kept), or `DD-MM-YYYY[ HH:MM[:SS]]`; a time without an offset is
    wall-clock time in `timezone`. None when it is neither (or no such day)."""
    text = text.strip()
    if not text:
        return None
    moment: datetime | None = None
    local = _LOCAL.fullmatch(text)
    try:
        if local is not None:
            moment = datetime(int(local["y"]), int(local["m"]), int(local["d"]),
                              int(local["H"] or 0), int(local["M"] or 0), int(local["S"] or 0))
        elif re.match(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return moment.astimezone(UTC)


def local_input_value(moment: datetime | None, timezone: str | None) -> str:
    """`moment` as a `datetime-local` field shows it in `timezone`: `2026-12-31T09:00`."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(timezone)).strftime("%Y-%m-%dT%H:%M")


NUMBER_EXAMPLE = {"nl": "1.234,5", "en": "1,234.5"}
DATE_EXAMPLE = "31-12-2026"
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LOCAL_DATE = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})")


def parse_number(text: str, language: str | None) -> Decimal | None:
    """A number as the viewer writes it (`12,5` and `1.234,50` in Dutch, `1,234.50` in
    English; a euro sign and spaces are allowed), else as a machine writes it (`12.5`);
    None when it is neither. Babel reads the grouping strictly, so `1.500` is 1500 to a
    Dutch reader, not 1.5."""
    cleaned = text.replace("\u00a0", " ").replace("€", "").replace(" ", "").strip()
    if not cleaned:
        return None
    try:
        return numbers.parse_decimal(cleaned, locale=babel_locale(language), strict=True)
    except numbers.NumberFormatError:
        pass
    return Decimal(cleaned) if _PLAIN_NUMBER.fullmatch(cleaned) else None


def parse_date(text: str) -> date | None:
    """`31-12-2026` (also with / or .) or ISO `2026-12-31`; None when it is neither, or no
    such day."""
    text = text.strip()
    local = _LOCAL_DATE.fullmatch(text)
    try:
        if local is not None:
            return date(int(local["y"]), int(local["m"]), int(local["d"]))
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None

"""Dates, numbers, money, durations and phone numbers as each language writes them (Babel
and phonenumbers underneath; these pin what a Dutch and an English reader see)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from hub.i18n import formats


@pytest.mark.parametrize(("amount", "language", "shown"), [
    (Decimal("1234.5"), "nl", "€ 1.234,50"),
    (Decimal("1234.5"), "en", "€1,234.50"),
    (821037.41, "nl", "€ 821.037,41"),
    (0, "nl", "€ 0,00"),
    (-12.3, "en", "-€12.30"),
    ("12.5", "nl", "€ 12,50"),
])
def test_euros(amount: object, language: str, shown: str) -> None:
    assert formats.format_currency(amount, language).replace("\xa0", " ") == shown  # type: ignore[arg-type]


def test_currency_edge_values() -> None:
    assert formats.format_currency(None, "nl") == ""
    assert formats.format_currency("not money", "nl") == "not money"
    assert formats.format_currency(5, "xx").replace("\xa0", " ") == "€ 5,00"  # default: nl


def test_numbers_and_percentages() -> None:
    assert formats.format_number(59400.0, "nl") == "59.400"
    assert formats.format_number(59400.0, "en") == "59,400"
    assert formats.format_number(12.345, "nl", 1) == "12,3"
    assert formats.format_percent(0.1234, "nl", 1).replace("\xa0", " ") in ("12,3%", "12,3 %")
    assert formats.format_percent(0.1234, "en", 1) == "12.3%"


def test_times_follow_the_zone_across_daylight_saving() -> None:
    winter = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # CET, UTC+1
    summer = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # CEST from 29 March 02:00, UTC+2
    assert formats.format_datetime(winter, "nl", "Europe/Amsterdam") == "28-03-2026, 13:00"
    assert formats.format_datetime(summer, "nl", "Europe/Amsterdam") == "29-03-2026, 14:00"
    assert formats.format_datetime(summer, "en", "Europe/Amsterdam") == "29/03/2026, 14:00"
    autumn = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # back to CET
    assert formats.format_time(autumn, "nl", "Europe/Amsterdam") == "13:00"
    assert formats.format_datetime(summer, "nl", "UTC") == "29-03-2026, 12:00"


def test_dates_and_naive_times() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Amsterdam
    assert formats.format_date(late, "nl", "Europe/Amsterdam") == "1 jan 2027"
    assert formats.format_date(late, "en", "UTC") == "31 Dec 2026"
    assert formats.format_date(date(2026, 5, 4), "nl") == "4 mei 2026"
    naive = datetime(2026, 7, 1, 10, 0)  # stored times are UTC
    assert formats.format_time(naive, "nl", "Europe/Amsterdam") == "12:00"
    assert formats.format_datetime(None, "nl") == ""


def test_unknown_zone_is_the_default_zone() -> None:
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert formats.format_time(summer, "nl", "Mars/Olympus") == "12:00"
    assert not formats.is_timezone("Mars/Olympus") and formats.is_timezone("Europe/London")


def test_relative_times() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert formats.format_relative(now - timedelta(hours=3), "nl", now) == "3 uur geleden"
    assert formats.format_relative(now - timedelta(hours=3), "en", now) == "3 hours ago"
    assert formats.format_relative(now + timedelta(days=2), "nl", now) == "over 2 dagen"
    assert formats.format_relative(None, "nl") == ""


@pytest.mark.parametrize(("seconds", "nl", "en"), [
    (59400, "16 u 30 min", "16 h 30 min"),
    (3600, "1 u", "1 h"),
    (125, "2 min 5 s", "2 min 5 s"),
    (120, "2 min", "2 min"),
    (45, "45 s", "45 s"),
    (0, "0 s", "0 s"),
    (59400.4, "16 u 30 min", "16 h 30 min"),
])
def test_durations(seconds: float, nl: str, en: str) -> None:
    assert formats.format_duration(seconds, "nl") == nl
    assert formats.format_duration(seconds, "en") == en


def test_no_duration() -> None:
    assert formats.format_duration(None, "nl") == ""


def test_phones_national_at_home_international_abroad() -> None:
    assert formats.format_phone("+31612345678", "NL") == "06 12345678"
    assert formats.format_phone("+31201234567", "NL") == "020 123 4567"
    assert formats.format_phone("+32470123456", "NL") == "+32 470 12 34 56"
    assert formats.format_phone("+31612345678", "BE") == "+31 6 12345678"
    assert formats.format_phone("not a number", "NL") == "not a number"
    assert formats.format_phone("", "NL") == ""


@pytest.mark.parametrize(("text", "language", "number"), [
    ("12,5", "nl", "12.5"), ("1.234,50", "nl", "1234.50"), ("€ 1.234,50", "nl", "1234.50"),
    ("1.500", "nl", "1500"), ("1,234.50", "en", "1234.50"), ("12.5", "en", "12.5"),
    ("12.5", "nl", "12.5"),  # no Dutch grouping: read as a machine writes it
    ("-3", "nl", "-3"), ("twelve", "nl", None), ("", "nl", None), ("1,2,3", "en", None),
    ("12,5", "xx", "12.5"),  # an unknown language reads as the default (nl)
])
def test_numbers_as_people_type_them(text: str, language: str, number: str | None) -> None:
    from hub.i18n.parsing import parse_number

    parsed = parse_number(text, language)
    assert (None if parsed is None else parsed) == (None if number is None else Decimal(number))


def test_dates_as_people_type_them() -> None:
    from hub.i18n.parsing import parse_date

    assert parse_date("31-12-2026") == date(2026, 12, 31)
    assert parse_date("1/2/2026") == date(2026, 2, 1) and parse_date("2026-02-01") == date(
        2026, 2, 1)
    assert parse_date("31-02-2026") is None and parse_date("tomorrow") is None

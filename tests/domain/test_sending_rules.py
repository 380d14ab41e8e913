"""Quiet hours in the recipient's own time zone and the frequency cap (hub.domain.sending)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from hub.config import load_settings
from hub.domain.parties import Person
from hub.domain.sending import MarketingRules
from hub.errors import ConfigError

RULES = MarketingRules()  # 21:00-08:00, Sunday off, Europe/Amsterdam
DUTCH = Person(id="p1", phones=["+31612345678"])
BY_MAIL = Person(id="p2", emails=["a@example.com"])
LONDON = Person(id="p3", phones=["+442079460958"])
UK_MOBILE = Person(id="p4", phones=["+447911123456"])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("now", "until"), [
    (utc(2026, 12, 2, 12, 0), None),  # Wednesday 13:00 in Amsterdam
    (utc(2026, 12, 2, 20, 30), utc(2026, 12, 3, 7, 0)),  # 21:30 → 08:00 next morning
    (utc(2026, 12, 3, 5, 0), utc(2026, 12, 3, 7, 0)),  # 06:00, after midnight → 08:00
    (utc(2026, 12, 3, 7, 0), None),  # 08:00 exactly: allowed
    (utc(2026, 12, 5, 22, 0), utc(2026, 12, 7, 7, 0)),  # Saturday 23:00 → Monday 08:00
    (utc(2026, 12, 6, 12, 0), utc(2026, 12, 7, 7, 0)),  # Sunday noon → Monday 08:00
    (utc(2026, 3, 29, 12, 0), utc(2026, 3, 30, 6, 0)),  # Sunday of the spring DST change
])
def test_quiet_hours_in_amsterdam(now: datetime, until: datetime | None) -> None:
    assert RULES.quiet_until(DUTCH, now) == until
    assert RULES.quiet_until(BY_MAIL, now) == until  # no phone: the default zone


def test_a_british_number_gets_london_hours() -> None:
    now = utc(2026, 12, 2, 20, 30)  # 21:30 in Amsterdam, 20:30 in London
    assert RULES.quiet_until(DUTCH, now) is not None
    assert RULES.quiet_until(LONDON, now) is None
    assert RULES.quiet_until(UK_MOBILE, now) is None
    assert RULES.quiet_until(LONDON, utc(2026, 12, 2, 21, 30)) == utc(2026, 12, 3, 8, 0)


def test_a_window_within_one_day_and_no_quiet_days() -> None:
    lunch = MarketingRules(quiet_hours=(time(12), time(13)), quiet_days=frozenset())
    assert lunch.quiet_until(DUTCH, utc(2026, 12, 6, 11, 30)) == utc(2026, 12, 6, 12, 0)
    assert lunch.quiet_until(DUTCH, utc(2026, 12, 6, 20, 0)) is None


def test_the_cap_counts_every_channel_and_zero_means_none() -> None:
    assert MarketingRules(cap=3).capped(2) is None
    held = MarketingRules(cap=3).capped(3)
    assert held is not None and held.until is None and "frequency cap" in held.reason
    assert MarketingRules(cap=0).capped(0) is not None
    assert MarketingRules(cap=None).capped(1000) is None


@pytest.mark.marketing_rules
def test_settings_give_the_rules_and_name_a_bad_value() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.quiet_hours == (time(21), time(8)) and settings.quiet_days == {6}
    assert settings.marketing_cap == 3 and settings.timezone == "Europe/Amsterdam"
    custom = load_settings({"HUB_QUIET_HOURS": "22:30-7", "HUB_QUIET_DAYS": "sat, Sunday",
                            "HUB_MARKETING_CAP": "off"}, dotenv=None)
    assert custom.quiet_hours == (time(22, 30), time(7)) and custom.quiet_days == {5, 6}
    assert custom.marketing_cap is None
    for name, value in [("HUB_QUIET_HOURS", "9-9"), ("HUB_QUIET_HOURS", "late"),
                        ("HUB_QUIET_HOURS", "25:00-08:00"), ("HUB_QUIET_DAYS", "zondag"),
                        ("HUB_MARKETING_CAP", "-1"), ("HUB_TIMEZONE", "Mars/Olympus")]:
        with pytest.raises(ConfigError) as raised:
            load_settings({name: value}, dotenv=None)
        assert raised.value.variable == name

"""The rules every marketing send obeys besides consent: a frequency cap across channels and
quiet hours in the recipient's own time zone. Service replies are never held by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from hub.domain.parties import Person
from hub.i18n import N_
from hub.i18n.text import Text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Hold:
    """Why a marketing message does not go now: deferred `until` a moment, or skipped."""

    reason: str
    until: datetime | None = None  # None: skip it (the cap); else send it then (quiet hours)


@dataclass(frozen=True, slots=True)
class MarketingRules:
    cap: int | None = 3  # marketing messages per person per `cap_days`, all channels; None: off
    cap_days: int = 7
    quiet_hours: tuple[time, time] | None = (time(21), time(8))  # local start, end
    quiet_days: frozenset[int] = frozenset({6})  # weekdays (Monday 0) with no sends at all
    timezone: str = "Europe/Amsterdam"  # when the person's own zone is not known

    def zone_of(self, person: Person, now: datetime) -> ZoneInfo:
        """The person's time zone: their phone number's, when its zones all keep one clock
        at `now` (a UK mobile: London, Jersey, Guernsey, Man), else the default (an email
        address says nothing about where someone is)."""
        for number in person.phones[:1]:
            try:
                names = number_zones.time_zones_for_number(phonenumbers.parse(number))
            except phonenumbers.NumberParseException:
                break
            zones = [ZoneInfo(n) for n in names if n != number_zones.UNKNOWN_TIMEZONE]
            if zones and len({now.astimezone(z).utcoffset() for z in zones}) == 1:
                return zones[-1]
        return ZoneInfo(self.timezone)

    def quiet_until(self, person: Person, now: datetime) -> datetime | None:
        """When the quiet hours or a quiet day that hold `now` end for the person (UTC), or
        None when a message may go now."""
        zone = self.zone_of(person, now)
        moment = now.astimezone(zone)
        for _ in range(16):  # each step ends one quiet stretch; a week holds at most 14
            later = self._quiet_end(moment, zone)
            if later is None:
                return None if moment == now.astimezone(zone) else moment.astimezone(now.tzinfo)
            moment = later
        return None  # every moment is quiet: the rules are contradictory, do not hold forever

    def _quiet_end(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        if moment.weekday() in self.quiet_days:
            return _local(moment.date() + timedelta(days=1), time(0), zone)
        if self.quiet_hours is None:
            return None
        start, end = self.quiet_hours
        clock = moment.timetz().replace(tzinfo=None)
        if start <= end:
            quiet = start <= clock < end
            return _local(moment.date(), end, zone) if quiet else None
        if clock >= start:  # the window spans midnight: ends tomorrow morning
            return _local(moment.date() + timedelta(days=1), end, zone)
        if clock < end:
            return _local(moment.date(), end, zone)
        return None

    def capped(self, sent: int) -> Hold | None:
        if self.cap is not None and sent >= self.cap:
            return Hold(Text(N_("frequency cap: %(sent)s marketing messages in the last "
                                "%(days)s days (at most %(cap)s)"),
                             {"sent": sent, "days": self.cap_days, "cap": self.cap}))
        return None


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)

"""How values read in each language, all through Babel (and phonenumbers): no hand-written
number, date or plural rules. Every function takes the viewer's `language` (one of
`hub.i18n.LANGUAGES`; anything else formats as the default) and, for times, a time zone;
`hub.web.templating` exposes them as Jinja filters that know the viewer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel import dates, numbers

from hub.i18n import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, FORMAT_LOCALES, supported
from hub.i18n.catalogues import translations

Number = int | float | Decimal


def babel_locale(language: str | None) -> str:
    return FORMAT_LOCALES[supported(language) or DEFAULT_LANGUAGE]


@cache
def zone(name: str | None) -> ZoneInfo:
    """The time zone called `name`; an unknown name is the default zone, never an error."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_datetime(value: datetime | str | None, language: str, timezone: str | None = None,
                    length: str = "short") -> str:
    """`value` (UTC or aware, or its ISO text as the API gives it) in the viewer's zone:
    `29-03-2026, 14:00` (nl, short), `29/03/2026, 14:00` (en). `length` is Babel's short /
    medium / long."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return dates.format_datetime(_aware(value), length, tzinfo=zone(timezone),
                                 locale=babel_locale(language))


def format_date(value: date | datetime | str | None, language: str,
                timezone: str | None = None, length: str = "medium") -> str:
    """`31 dec 2026` (nl) / `31 Dec 2026` (en); a datetime (or its ISO text) is first moved
    to the zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone(timezone)).date()
    return dates.format_date(value, length, locale=babel_locale(language))


def format_time(value: datetime | None, language: str, timezone: str | None = None) -> str:
    if value is None:
        return ""
    return dates.format_time(_aware(value), "short", tzinfo=zone(timezone),
                             locale=babel_locale(language))


def format_relative(value: datetime | None, language: str, now: datetime | None = None) -> str:
    """`3 uur geleden` / `3 hours ago`; `over 2 dagen` / `in 2 days` for the future."""
    if value is None:
        return ""
    delta = _aware(value) - (now or datetime.now(UTC))
    return dates.format_timedelta(delta, add_direction=True, threshold=1,
                                  locale=babel_locale(language))


def format_number(value: Number | None, language: str, digits: int | None = None) -> str:
    """`59.400` / `59,400`; `digits` fixes the decimals (`12,5` with digits=1)."""
    if value is None:
        return ""
    if digits is None:
        return numbers.format_decimal(value, locale=babel_locale(language))
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=pattern, locale=babel_locale(language))


def format_percent(value: Number | None, language: str, digits: int = 0) -> str:
    """A share 0..1 as `12 %` (nl) / `12%` (en)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return numbers.format_percent(value, format=pattern, locale=babel_locale(language))


def format_currency(value: Number | str | None, language: str, currency: str = "EUR") -> str:
    """`€ 1.234,50` (nl) / `€1,234.50` (en); a non-number is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return numbers.format_currency(amount, currency or "EUR", locale=babel_locale(language))


def format_duration(seconds: Number | None, language: str) -> str:
    """`16 u 30 min` (nl) / `16 h 30 min` (en), `45 s` under a minute; the unit words come
    from the catalogue, the numbers from Babel."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if total < 0 else ""

    def n(value: int) -> str:
        return numbers.format_decimal(value, locale=babel_locale(language))

    gettext = translations(language).gettext

    if hours:
        text = (gettext("%(hours)s h %(minutes)s min") % {"hours": n(hours),
                                                                     "minutes": n(minutes)}
                if minutes else gettext("%(hours)s h") % {"hours": n(hours)})
    elif minutes:
        text = (gettext("%(minutes)s min %(seconds)s s") % {"minutes": n(minutes),
                                                                       "seconds": n(secs)}
                if secs else gettext("%(minutes)s min") % {"minutes": n(minutes)})
    else:
        text = gettext("%(seconds)s s") % {"seconds": n(secs)}
    return sign + text


def format_phone(value: str | None, default_region: str = "NL") -> str:
    """An E.164 number in national format when it belongs to `default_region`
    (`06 12345678`), international otherwise (`+32 470 12 34 56`); anything that does not
    parse is shown as stored."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(parsed):
        return value
    region = phonenumbers.region_code_for_number(parsed)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if region == default_region.upper()
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, style)

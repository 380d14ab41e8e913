"""Languages (DESIGN §6): `nl` (the default) and `en`. Which one a person reads is negotiated
here, once, for staff and customers alike; the words come from the gettext catalogues in
`hub/locale/` (`hub.i18n.catalogues`), dates, numbers, money, durations and phone numbers from
Babel (`hub.i18n.formats`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from babel import Locale, UnknownLocaleError

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DEFAULT_TIMEZONE = "Europe/Amsterdam"
# The Babel locale that formats each language: English as written in Europe (24-hour clock,
# day before month), as Hub's English-speaking colleagues work in the Netherlands.
FORMAT_LOCALES: dict[str, str] = {"nl": "nl_NL", "en": "en_GB"}


@lru_cache(maxsize=1024)
def supported(code: str | None) -> str | None:
    """`code` as one of LANGUAGES (`nl-BE`, `NL`, `en_US` → `nl`, `nl`, `en`), else None;
    an unknown or malformed code is no error, it just does not count."""
    if not code or not isinstance(code, str) or len(code) > 35:
        return None
    try:
        language = Locale.parse(code.strip().replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        language = code.strip().lower().replace("_", "-").split("-")[0]
    return language if language in LANGUAGES else None


@lru_cache(maxsize=1024)
def accepted(header: str | None) -> tuple[str, ...]:
    """The languages of an `Accept-Language` header, most wanted first (`q=0` excluded);
    duplicates and unknown codes dropped."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "")[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = supported(tag) if tag.strip() != "*" else None
        if language and quality > 0:
            weighted.append((-quality, index, language))
    found: list[str] = []
    for _, _, language in sorted(weighted):
        if language not in found:
            found.append(language)
    return tuple(found)


def negotiate(choices: Iterable[str | None], accept_language: str | None = None,
              default: str = DEFAULT_LANGUAGE) -> str:
    """The first supported language among `choices` (in order: the person's or user's own,
    then the form's or survey's), then the browser's `Accept-Language`, then `default`."""
    for choice in choices:
        language = supported(choice)
        if language:
            return language
    for language in accepted(accept_language):
        return language
    return supported(default) or DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated later, where the viewer is known."""
    return message

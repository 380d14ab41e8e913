"""Addresses that identify a person: normalisation and the identity record."""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from functools import lru_cache
from typing import Literal

import phonenumbers
from pydantic import Field

from hub.domain.common import Record, UtcDateTime, utcnow
from hub.errors import InvalidInput
from hub.i18n import N_

AddressKind = Literal["email", "phone"]
MAX_EMAIL_LENGTH = 254
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9-]{1,63}"
PLAIN_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+")
"""A dot-atom address with an ASCII domain: what the strict parse below gives back unchanged
(lower-cased), read without it (an import normalises every address it reads)."""


class Identity(Record):
    """One address owned by one person (and, for a business address, one of their roles)."""

    kind: AddressKind
    value: str
    person_id: str
    role_id: str | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)


def normalise_email(raw: str) -> str:
    """Trimmed, lower-cased as a whole, domain in IDNA (punycode) form; strictly parsed."""
    text = raw.strip()
    if len(text) <= MAX_EMAIL_LENGTH and PLAIN_EMAIL.fullmatch(text):
        return text.lower()
    if not text or len(text) > MAX_EMAIL_LENGTH or any(c in text for c in "\r\n\t <>\"(),;:"):
        raise InvalidInput(N_("not an email address: %(raw)s"),
                           params={"raw": repr(raw)}, details={"email": raw})
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise InvalidInput(N_("not an email address: %(raw)s"),
                           params={"raw": repr(raw)}, details={"email": raw}) from exc
    local, domain = parsed.username, parsed.domain
    if not local or not domain or "." not in domain or domain.startswith(".") or ".." in domain:
        raise InvalidInput(N_("not an email address: %(raw)s"),
                           params={"raw": repr(raw)}, details={"email": raw})
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInput(N_("invalid email domain: %(domain)s"),
                           params={"domain": repr(domain)}, details={"email": raw}) from exc
    return f"{local}@{ascii_domain}".lower()


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 (`+31612345678`) via phonenumbers; numbers without `+` read in `default_region`."""
    text = raw.strip()
    if not text or len(text) > 40:
        raise InvalidInput(N_("not a phone number: %(raw)s"),
                           params={"raw": repr(raw)}, details={"phone": raw})
    found = _e164(text, default_region)
    if found == _UNPARSEABLE:
        raise InvalidInput(N_("not a phone number: %(raw)s"),
                           params={"raw": repr(raw)}, details={"phone": raw})
    if found == _INVALID:
        raise InvalidInput(N_("not a valid phone number: %(raw)s"),
                           params={"raw": repr(raw)}, details={"phone": raw})
    return found


_UNPARSEABLE, _INVALID = "unparseable", "invalid"  # never E.164, which starts with `+`


@lru_cache(maxsize=4096)
def _e164(text: str, default_region: str) -> str:
    """The E.164 form, or why there is none. Cached: phonenumbers' parse and validation are
    the costliest step of an inbound SMS webhook, and a pure function of the text (the same
    sender writes again and again)."""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return _UNPARSEABLE
    if not phonenumbers.is_valid_number(number):
        return _INVALID
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise(kind: AddressKind, raw: str, default_region: str) -> str:
    return normalise_email(raw) if kind == "email" else normalise_phone(raw, default_region)


def guess_kind(raw: str) -> AddressKind:
    """An address with `@` is an email, anything else is read as a phone number."""
    return "email" if "@" in raw else "phone"


class Suppression(Record):
    """A keyed hash of an erased address whose owner objected: never contact it again."""

    hash: str
    kind: AddressKind
    created_at: UtcDateTime = Field(default_factory=utcnow)



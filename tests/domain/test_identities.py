"""Address normalisation: the rules that decide who is who."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.identities import normalise_email, normalise_phone
from hub.errors import InvalidInput


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Anna@Example.COM ", "anna@example.com"),
    ("Anna.De.Vries@Example.COM", "anna.de.vries@example.com"),
    ("info@bücher.de", "info@xn--bcher-kva.de"),
    ("USER+tag@Sub.Example.org", "user+tag@sub.example.org"),
])
def test_email_normalisation(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("06 12345678", "NL", "+31612345678"),
    ("06-1234 5678", "NL", "+31612345678"),
    ("+31 6 12345678", "NL", "+31612345678"),
    ("0031612345678", "NL", "+31612345678"),
    ("020 123 4567", "NL", "+31201234567"),
    ("0151 12345678", "DE", "+4915112345678"),
    ("+32 470 12 34 56", "NL", "+32470123456"),
])
def test_phone_normalisation(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "12", "abc", "+31 6 123", "06 1234567890123"])
def test_invalid_phone(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw, "NL")


@given(st.from_regex(r"[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}\.(com|nl|org)", fullmatch=True))
def test_email_normalisation_is_idempotent(address: str) -> None:
    try:
        once = normalise_email(address.upper())
    except InvalidInput:
        return  # e.g. a local part starting with a dot: refused, never half-normalised
    assert normalise_email(once) == once == once.lower()


@given(st.integers(min_value=600_000_000, max_value=699_999_999))
def test_every_valid_dutch_mobile_has_one_form(national: int) -> None:
    e164 = f"+31{national}"
    number = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(number):
        return
    assert normalise_phone(f"0{national}", "NL") == e164
    assert normalise_phone(f"0031 {national}", "NL") == e164

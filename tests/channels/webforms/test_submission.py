"""Checking a submission against its form: every problem per field, spam by its honeypot."""

from __future__ import annotations

from typing import Any

import pytest

from channels.webforms import parse_submission
from hub.domain.forms import FormDefinition, FormField


def contact_form(**overrides: Any) -> FormDefinition:
    fields = [
        FormField(name="name", label="Your name", type="text", required=True, max_length=50),
        FormField(name="email", label="Email", type="email"),
        FormField(name="phone", label="Phone", type="phone"),
        FormField(name="topic", label="Topic", type="select", options=["Sales", "Support"]),
        FormField(name="message", label="Message", type="textarea", max_length=200),
        FormField(name="newsletter", label="Newsletter", type="checkbox"),
    ]
    return FormDefinition(id="f1", slug="contact", title="Contact", fields=fields,
                          consent_text="You may email me.", **overrides)


def parse(raw: dict[str, Any]) -> Any:
    return parse_submission(contact_form(), raw, default_region="NL")


def test_clean_values_are_normalised() -> None:
    result = parse({"name": "  Anna  ", "email": " Anna@Example.COM ",
                    "phone": "06 1234 5678", "topic": "Support",
                    "message": "line one\r\nline two", "newsletter": "on",
                    "consent": "yes", "submission_id": "a" * 24})
    assert result.ok, result.errors
    assert result.values == {"name": "Anna", "email": "anna@example.com", "phone": "+31612345678",
                             "topic": "Support", "message": "line one\nline two",
                             "newsletter": True}
    assert result.consent is True
    assert result.submission_id == "a" * 24


def test_every_problem_is_reported_per_field() -> None:
    result = parse({"name": "", "email": "not-an-address", "phone": "12",
                    "topic": "Billing", "message": "x" * 201, "newsletter": "maybe",
                    "consent": "sure"})
    assert set(result.errors) == {"name", "email", "phone", "topic", "message", "newsletter",
                                  "consent"}
    assert "required" in result.errors["name"]
    assert "200" in result.errors["message"]


@pytest.mark.parametrize("raw", [
    {"name": 42, "email": "a@example.com"},
    {"name": ["Anna", "Bob"], "email": "a@example.com"},
    {"name": {"first": "Anna"}, "email": "a@example.com"},
    {"name": ["Anna"], "email": "a@example.com"},
    {"name": "Anna", "email": "a@example.com", "newsletter": 3},
    {"name": "Anna", "email": "a@example.com", "message": "\x00\x07"},
    {"name": "Anna\nBcc: x@example.com", "email": "a@example.com"},
])
def test_wrong_types_are_field_errors(raw: dict[str, Any]) -> None:
    assert parse(raw).errors


def test_an_address_is_needed_to_know_who_wrote() -> None:
    result = parse({"name": "Anna"})
    assert result.errors == {"email": "Enter an email address or a phone number so we can "
                                      "reach you."}


@pytest.mark.parametrize(("word", "ticked"), [
    ("on", True), ("TRUE", True), ("1", True), ("yes", True), (True, True),
    ("off", False), ("", False), ("no", False), (False, False), (None, False),
])
def test_consent_words(word: Any, ticked: bool) -> None:
    result = parse({"name": "Anna", "email": "a@example.com", "consent": word})
    assert result.ok and result.consent is ticked


def test_filled_honeypot_is_spam_whatever_else() -> None:
    result = parse({"homepage": "http://spam.example", "name": ""})
    assert result.spam and not result.ok and result.values == {}


def test_unknown_fields_are_ignored() -> None:
    result = parse({"name": "Anna", "email": "a@example.com", "utm_source": "ad",
                    "submission_id": "short"})
    assert result.ok and "utm_source" not in result.values
    assert result.submission_id is None

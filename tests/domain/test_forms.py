"""hub.domain.forms: what a form definition accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.domain.forms import FormDefinition, FormField


@pytest.mark.parametrize("slug", ["a", "contact", "news-2025", "0day", "a" * 63])
def test_good_slugs(slug: str) -> None:
    assert FormDefinition(id="f1", slug=slug, title="t").slug == slug


@pytest.mark.parametrize("slug", ["", "-a", "Contact", "a_b", "a b", "a/b", "a" * 64, "ä"])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(ValidationError):
        FormDefinition(id="f1", slug=slug, title="t")


@pytest.mark.parametrize("name", ["email", "first_name", "q1", "a" * 40])
def test_good_field_names(name: str) -> None:
    assert FormField(name=name, label="L", type="text").name == name


@pytest.mark.parametrize("name", ["", "1a", "_a", "First", "a-b", "a" * 41])
def test_bad_field_names(name: str) -> None:
    with pytest.raises(ValidationError):
        FormField(name=name, label="L", type="text")


def test_defaults() -> None:
    form = FormDefinition(id="f1", slug="contact", title="Contact")
    assert form.consent_channels == ["email"]
    assert (form.fields, form.cors_origins) == ([], [])
    field = FormField(name="email", label="E-mail", type="email")
    assert (field.required, field.options, field.max_length) == (False, [], 1000)


def test_unknown_field_type_and_consent_channel_are_refused() -> None:
    with pytest.raises(ValidationError):
        FormField(name="x", label="X", type="date")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        FormDefinition(id="f1", slug="c", title="t", consent_channels=["fax"])  # type: ignore[list-item]


def test_field_names_are_unique_within_a_form() -> None:
    field = FormField(name="email", label="E-mail", type="email")
    with pytest.raises(ValidationError):
        FormDefinition(id="f1", slug="c", title="t", fields=[field, field])

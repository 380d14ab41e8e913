"""store.forms: staff-defined web forms, unique on slug."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from hub.domain.common import new_id
from hub.domain.forms import FormDefinition, FormField
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find

WRITERS = 50


def form(**overrides: Any) -> FormDefinition:
    fields: dict[str, Any] = {
        "id": new_id(),
        "slug": f"form-{new_id()}",
        "title": "Contact",
        "created_at": f.at(),
        "updated_at": f.at(),
    }
    return FormDefinition(**(fields | overrides))


def full_form(**overrides: Any) -> FormDefinition:
    fields: dict[str, Any] = {
        "slug": "newsletter-2025",
        "title": "Nieuwsbrief",
        "fields": [
            FormField(name="email", label="E-mail", type="email", required=True,
                      max_length=254),
            FormField(name="phone", label="Mobiel", type="phone"),
            FormField(name="topic", label="Onderwerp", type="select",
                      options=["Offerte", "Service", "Anders"]),
            FormField(name="message", label="Bericht", type="textarea", max_length=5000),
            FormField(name="consent", label="Ja, houd me op de hoogte", type="checkbox"),
        ],
        "consent_text": "Ik wil de nieuwsbrief per e-mail en sms ontvangen.",
        "consent_channels": ["email", "sms"],
        "thank_you": "Dank je wel!",
        "redirect_url": "https://www.example.org/bedankt",
        "cors_origins": ["https://www.example.org", "https://shop.example.org"],
        "created_at": datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=f.CET),
        "updated_at": f.at(),
    }
    return form(**(fields | overrides))


async def test_form_round_trips_by_id_and_slug(store: Store) -> None:
    definition = full_form()
    await store.forms.insert(definition)
    assert_same_record(await store.forms.get(definition.id), definition)
    assert_same_record(await store.forms.get_by_slug("newsletter-2025"), definition)


async def test_minimal_form_has_defaults(store: Store) -> None:
    definition = form()
    await store.forms.insert(definition)
    stored = await store.forms.get(definition.id)
    assert_same_record(stored, definition)
    assert stored is not None
    assert stored.consent_channels == ["email"]
    assert (stored.fields, stored.cors_origins, stored.consent_text) == ([], [], None)


async def test_unknown_form_is_none(store: Store) -> None:
    await store.forms.insert(form(slug="contact"))
    assert await store.forms.get(new_id()) is None
    assert await store.forms.get_by_slug("kontakt") is None


async def test_existing_id_raises_duplicate_key(store: Store) -> None:
    definition = form()
    await store.forms.insert(definition)
    with pytest.raises(DuplicateKey):
        await store.forms.insert(form(id=definition.id))
    assert_same_record(await store.forms.get(definition.id), definition)


async def test_existing_slug_raises_duplicate_key(store: Store) -> None:
    first = form(slug="contact")
    await store.forms.insert(first)
    with pytest.raises(DuplicateKey):
        await store.forms.insert(form(slug="contact", title="Other"))
    assert_same_record(await store.forms.get_by_slug("contact"), first)
    assert ids(await store.forms.find()) == [first.id]


async def test_replace_changes_the_slug(store: Store) -> None:
    definition = full_form()
    await store.forms.insert(definition)
    changed = definition.model_copy(update={
        "slug": "newsletter-2026", "title": "Nieuwsbrief 2026", "updated_at": f.at(60),
        "fields": definition.fields[:1], "cors_origins": [],
    })
    await store.forms.replace(changed)
    assert_same_record(await store.forms.get(definition.id), changed)
    assert_same_record(await store.forms.get_by_slug("newsletter-2026"), changed)
    assert await store.forms.get_by_slug("newsletter-2025") is None
    await store.forms.insert(form(slug="newsletter-2025"))  # the old slug is free again


async def test_replace_onto_a_taken_slug_raises_duplicate_key(store: Store) -> None:
    contact, survey = form(slug="contact"), form(slug="survey")
    await store.forms.insert(contact)
    await store.forms.insert(survey)
    with pytest.raises(DuplicateKey):
        await store.forms.replace(survey.model_copy(update={"slug": "contact"}))
    assert_same_record(await store.forms.get(survey.id), survey)
    assert_same_record(await store.forms.get_by_slug("contact"), contact)


async def test_replace_missing_form_raises_not_found(store: Store) -> None:
    definition = form()
    with pytest.raises(NotFound):
        await store.forms.replace(definition)
    assert await store.forms.get(definition.id) is None


async def test_find_pages_in_id_order(store: Store) -> None:
    forms = [form() for _ in range(5)]
    for definition in forms[::-1]:
        await store.forms.insert(definition)
    pages = await walk_find(store.forms.find, 2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert ids(flat(pages)) == sorted(ids(forms))
    assert await store.forms.find(limit=0) == []


async def test_concurrent_inserts_of_one_slug_have_one_winner(store: Store) -> None:
    candidates = [form(slug="launch") for _ in range(WRITERS)]
    results = await asyncio.gather(
        *(store.forms.insert(c) for c in candidates), return_exceptions=True
    )
    winners = [c for c, r in zip(candidates, results, strict=True) if r is None]
    errors = [r for r in results if r is not None]
    assert len(winners) == 1, results
    assert all(isinstance(e, DuplicateKey) for e in errors), errors
    assert_same_record(await store.forms.get_by_slug("launch"), winners[0])
    assert ids(await store.forms.find()) == [winners[0].id]

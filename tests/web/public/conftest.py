"""A web form defined through the API, and helpers to post to it as a browser would."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Api

CONTACT_FORM: dict[str, Any] = {
    "slug": "contact",
    "title": "Contact us",
    "fields": [
        {"name": "name", "label": "Your name", "type": "text", "required": True},
        {"name": "email", "label": "Email address", "type": "email", "required": True},
        {"name": "phone", "label": "Phone", "type": "phone"},
        {"name": "language", "label": "Language", "type": "select", "options": ["nl", "en"]},
        {"name": "message", "label": "Your question", "type": "textarea", "max_length": 2000},
    ],
    "consent_text": "Yes, Hub may email me news and offers. I can unsubscribe at any time.",
    "consent_channels": ["email"],
}


@pytest.fixture
async def form(api: Api) -> dict[str, Any]:
    status, body = await api.call("POST", "/api/v1/forms", json=CONTACT_FORM)
    assert status == 201, body
    return body


async def persons_count(api: Api) -> int:
    return await api.store.persons.count()


async def webform_events(api: Api, person_id: str) -> list[Any]:
    status, body = await api.call("GET", f"/api/v1/persons/{person_id}/timeline?channel=webform")
    assert status == 200, body
    return body["items"]

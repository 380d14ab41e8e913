"""Staff define forms through the API; bad definitions get a clear 4xx."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.web.conftest import Api
from tests.web.public.conftest import CONTACT_FORM


async def test_marketing_and_service_define_and_read_forms(api: Api) -> None:
    status, made = await api.call("POST", "/api/v1/forms", role="marketing", json=CONTACT_FORM)
    assert status == 201, made
    assert made["url"].endswith("/f/contact")
    assert made["consent_channels"] == ["email"]
    status, read = await api.call("GET", f"/api/v1/forms/{made['id']}", role="service")
    assert status == 200 and read["title"] == "Contact us"
    status, page = await api.call("GET", "/api/v1/forms", role="service")
    assert [f["slug"] for f in page["items"]] == ["contact"]


async def test_slug_is_unique(api: Api) -> None:
    assert (await api.call("POST", "/api/v1/forms", json=CONTACT_FORM))[0] == 201
    status, body = await api.call("POST", "/api/v1/forms", json=CONTACT_FORM)
    assert status == 409 and body["error"]["details"] == {"field": "slug"}


async def test_forms_need_a_token(api: Api) -> None:
    response = await api.client.post("/api/v1/forms", json=CONTACT_FORM)
    assert response.status == 401


def with_changes(**changes: Any) -> dict[str, Any]:
    form = copy.deepcopy(CONTACT_FORM)
    form.update(changes)
    return form


@pytest.mark.parametrize("payload", [
    with_changes(slug="Contact Us"),
    with_changes(fields=[]),
    with_changes(fields=[{"name": "name", "label": "Name", "type": "text"}]),  # no address
    with_changes(fields=[{"name": "email", "label": "E", "type": "email"},
                         {"name": "email", "label": "E", "type": "email"}]),
    with_changes(fields=[{"name": "email", "label": "E", "type": "date"}]),
    with_changes(fields=[{"name": "email", "label": "E", "type": "email"},
                         {"name": "topic", "label": "T", "type": "select"}]),
    with_changes(fields=[{"name": "email", "label": "E", "type": "email"},
                         {"name": "consent", "label": "C", "type": "checkbox"}]),
    with_changes(consent_channels=["fax"]),
    with_changes(redirect_url="javascript:alert(1)"),
    with_changes(cors_origins=["https://example.com/path"]),
    with_changes(colour="blue"),
])
async def test_bad_definitions(api: Api, payload: dict[str, Any]) -> None:
    status, body = await api.call("POST", "/api/v1/forms", json=payload)
    assert status == 422, body
    assert body["error"]["code"] == "invalid_input"
    status, page = await api.call("GET", "/api/v1/forms")
    assert page["items"] == []


async def test_unknown_form_is_404(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/forms/nope")
    assert status == 404 and body["error"]["code"] == "not_found"

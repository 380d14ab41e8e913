"""Embedding on other sites (CORS for JSON, redirects) and the one-mail-per-window promise."""

from __future__ import annotations

import copy
from typing import Any

from tests.web.conftest import Api
from tests.web.public.conftest import CONTACT_FORM

SHOP = "https://shop.example.org"


async def define(api: Api, **changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(CONTACT_FORM) | changes
    status, body = await api.call("POST", "/api/v1/forms", json=payload)
    assert status == 201, body
    return body


async def test_json_posts_only_from_listed_origins(api: Api) -> None:
    await define(api, cors_origins=[SHOP])
    preflight = await api.client.options("/f/contact", headers={
        "Origin": SHOP, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    response = await api.client.post("/f/contact", json={"name": "A", "email": "a@example.com"},
                                     headers={"Origin": SHOP})
    assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == SHOP

    evil = "https://evil.example"
    preflight = await api.client.options("/f/contact", headers={
        "Origin": evil, "Access-Control-Request-Method": "POST"})
    assert preflight.status == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    response = await api.client.post("/f/contact", json={"name": "B", "email": "b@example.com"},
                                     headers={"Origin": evil})
    assert response.status == 403
    assert await api.store.persons.count() == 1


async def test_redirect_after_a_plain_form_post(api: Api) -> None:
    await define(api, redirect_url="https://shop.example.org/thanks")
    response = await api.client.post("/f/contact", allow_redirects=False, data={
        "name": "Anna", "email": "anna@example.com"})
    assert response.status == 303
    assert response.headers["Location"] == "https://shop.example.org/thanks"
    page = await api.client.get("/f/contact")
    assert "form-action 'self' https://shop.example.org" in page.headers[
        "Content-Security-Policy"]


async def test_at_most_one_automatic_mail_per_address_per_window(api: Api) -> None:
    await define(api, thank_you="Thanks, we will answer within a day.")
    for n in range(3):
        response = await api.client.post("/f/contact", data={
            "name": "Anna", "email": "victim@example.com", "message": f"attempt {n}"})
        assert response.status == 200
        assert "within a day" in await response.text()
    status, found = await api.call("GET", "/api/v1/persons?email=victim@example.com")
    person_id = found["items"][0]["id"]
    status, mails = await api.call("GET", f"/api/v1/persons/{person_id}/timeline?channel=email")
    assert [(m["direction"], m["to"], m["status"]) for m in mails["items"]] == [
        ("outbound", "victim@example.com", "sent")]
    status, forms = await api.call("GET", f"/api/v1/persons/{person_id}/timeline?channel=webform")
    assert status == 200 and len(forms["items"]) == 3

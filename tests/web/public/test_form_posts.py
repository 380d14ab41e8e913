"""Posting to /f/{slug} as a browser, a plain <form> on another site, or an API client."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

from tests.web.conftest import Api
from tests.web.public.conftest import CONTACT_FORM, persons_count, webform_events

FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


async def post_form(api: Api, data: dict[str, str], **kwargs: Any) -> Any:
    return await api.client.post("/f/contact", data=data, allow_redirects=False, **kwargs)


async def test_page_is_accessible_and_locked_down(api: Api, form: dict[str, Any]) -> None:
    response = await api.client.get("/f/contact")
    html = await response.text()
    assert response.status == 200
    assert '<html lang="nl">' in html and 'name="viewport"' in html
    for name in ("name", "email", "phone", "language", "message", "consent"):
        assert f'<label for="field-{name}">' in html
    assert 'type="email"' in html and 'type="tel"' in html and 'autocomplete="email"' in html
    assert CONTACT_FORM["consent_text"] in html
    assert "<script" not in html
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'<style nonce="{nonce.group(1)}">' in html
    assert "script-src" not in csp and "default-src 'none'" in csp


async def test_plain_html_post_creates_person_with_consent_proof(
    api: Api, form: dict[str, Any]
) -> None:
    response = await post_form(api, {
        "name": "Anna de Vries", "email": " Anna@Example.com", "phone": "06 12345678",
        "language": "nl", "message": "Do you deliver <b>on Sundays</b>?", "consent": "on",
        "homepage": "", "submission_id": "s" * 24, "utm_source": "newsletter",
    }, headers={"Origin": "https://shop.example.org"})
    html = await response.text()
    assert response.status == 200, html
    assert "Bedankt" in html
    status, found = await api.call("GET", "/api/v1/persons?email=anna@example.com")
    person = found["items"][0]
    assert person["name"] == "Anna de Vries" and person["language"] == "nl"
    assert person["phones"] == ["+31612345678"] and person["customer_status"] == "prospect"
    consent = person["consent"]["email"]  # double opt-in: pending until the owner confirms
    assert consent["status"] == "pending" and consent["source"] == "webform:contact"
    assert consent["text"] == CONTACT_FORM["consent_text"] and consent["at"]
    assert consent["address"] == "anna@example.com" and consent["client"] == "127.0.0.1"
    [event] = await webform_events(api, person["id"])
    assert event["direction"] == "inbound" and event["from"] == "anna@example.com"
    assert event["form"] == {"form_id": form["id"], "fields": {
        "name": "Anna de Vries", "email": "anna@example.com", "phone": "+31612345678",
        "language": "nl", "message": "Do you deliver <b>on Sundays</b>?", "consent": True}}
    assert event["data"]["client"] == "127.0.0.1"
    status, timeline = await api.call("GET", f"/api/v1/persons/{person['id']}/timeline"
                                             "?channel=system")
    assert status == 200
    [proof] = timeline["items"]
    assert proof["data"]["consent"]["client"] == "127.0.0.1"
    assert proof["data"]["consent"]["text"] == CONTACT_FORM["consent_text"]


async def test_known_person_keeps_staff_data_and_conflicts_stay_on_event(
    api: Api, form: dict[str, Any]
) -> None:
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna de Vries-Jansen", "emails": ["anna@example.com"], "language": "en"})
    assert status == 201
    response = await post_form(api, {"name": "Anna Jansen", "email": "ANNA@example.com",
                                     "language": "nl", "phone": "+31 6 12345678"})
    assert response.status == 200
    status, after = await api.call("GET", f"/api/v1/persons/{person['id']}")
    assert after["name"] == "Anna de Vries-Jansen" and after["language"] == "en"
    assert after["phones"] == []  # anyone could have typed that number: not attached
    assert after["consent"].get("email", {}).get("status", "unknown") == "unknown"  # not ticked
    [event] = await webform_events(api, person["id"])
    conflicts = event["data"]["conflicts"]
    assert conflicts.pop("phone")["unverified"] is True
    assert conflicts == {
        "name": {"stored": "Anna de Vries-Jansen", "submitted": "Anna Jansen"},
        "language": {"stored": "en", "submitted": "nl"}}
    assert await persons_count(api) == 1


async def test_missing_fields_rerender_the_page_and_store_nothing(
    api: Api, form: dict[str, Any]
) -> None:
    response = await post_form(api, {"name": "", "email": "anna@", "phone": "12",
                                     "message": "keep <this>", "consent": "on"})
    html = await response.text()
    assert response.status == 422
    assert 'role="alert"' in html
    assert 'aria-invalid="true" aria-describedby="error-name"' in html
    assert 'id="error-email"' in html and 'id="error-phone"' in html
    assert "keep &lt;this&gt;</textarea>" in html  # what was typed is kept, escaped
    assert re.search(r'name="consent" value="on" checked', html)
    assert await persons_count(api) == 0


async def test_json_client_gets_errors_per_field(api: Api, form: dict[str, Any]) -> None:
    response = await api.client.post("/f/contact", json={
        "name": ["Anna"], "email": 42, "language": "de", "consent": "perhaps"})
    body = await response.json()
    assert response.status == 422
    assert body["error"]["code"] == "invalid_input"
    assert {d["field"] for d in body["error"]["details"]} == {"name", "email", "language",
                                                              "consent"}
    assert await persons_count(api) == 0


async def test_json_client_success(api: Api, form: dict[str, Any]) -> None:
    response = await api.client.post("/f/contact", json={
        "name": "Bob", "email": "bob@example.com", "consent": True})
    assert response.status == 200
    assert (await response.json())["status"] == "received"
    assert await persons_count(api) == 1


async def test_bad_bodies_get_clear_answers(api: Api, form: dict[str, Any]) -> None:
    cases = [
        (b"\xff\xfe", FORM_TYPE, 400),
        (b'{"name": ', {"Content-Type": "application/json"}, 400),
        (b'["Anna"]', {"Content-Type": "application/json"}, 400),
        (b"name=Anna", {"Content-Type": "text/plain"}, 415),
        (b"name=Anna&email=a%40example.com", {"Content-Type": "multipart/form-data"}, 415),
    ]
    for data, headers, expected in cases:
        response = await api.client.post("/f/contact", data=data, headers=headers)
        assert response.status == expected, (data, await response.text())
    assert await persons_count(api) == 0


async def test_ten_megabyte_body_is_refused(api: Api, form: dict[str, Any]) -> None:
    big = io.BytesIO(b"name=Anna&email=a%40example.com&message=" + b"x" * 10_000_000)
    response = await api.client.post("/f/contact", data=big, headers=FORM_TYPE)
    assert response.status == 413
    assert "groter dan" in await response.text()
    json_big = io.BytesIO(b'{"message": "' + b"x" * 10_000_000 + b'"}')
    response = await api.client.post("/f/contact", data=json_big,
                                     headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await persons_count(api) == 0


async def test_honeypot_is_answered_like_success_and_stores_nothing(
    api: Api, form: dict[str, Any]
) -> None:
    real = await post_form(api, {"name": "Anna", "email": "anna@example.com"})
    spam = await post_form(api, {"name": "Buy", "email": "bot@example.com",
                                 "homepage": "http://spam.example"})
    assert spam.status == real.status == 200
    assert "Bedankt" in await spam.text()
    status, found = await api.call("GET", "/api/v1/persons?email=bot@example.com")
    assert status == 200 and found["items"] == [] and await persons_count(api) == 1


async def test_hundred_posts_a_second_from_one_client(api: Api, form: dict[str, Any]) -> None:
    async def one(n: int) -> int:
        response = await post_form(api, {"name": f"P{n}", "email": f"p{n}@example.com"})
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(one(n) for n in range(100)))
    assert statuses.count(200) == 10 and statuses.count(429) == 90
    assert await persons_count(api) == 10
    response = await post_form(api, {"name": "P", "email": "p@example.com"})
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1
    assert "Wacht" in await response.text()


async def test_double_submit_records_once(api: Api, form: dict[str, Any]) -> None:
    data = {"name": "Anna", "email": "anna@example.com", "submission_id": "x" * 24}
    for _ in range(2):
        assert (await post_form(api, data)).status == 200
    status, found = await api.call("GET", "/api/v1/persons?email=anna@example.com")
    assert status == 200
    assert len(await webform_events(api, found["items"][0]["id"])) == 1


async def test_unknown_form_is_a_404_page(api: Api) -> None:
    for path in ("/f/nothing-here", "/f/NOT_A_SLUG"):
        response = await api.client.get(path)
        assert response.status == 404 and "Formulier niet gevonden" in await response.text()
    response = await api.client.post("/f/nothing", json={"email": "a@example.com"})
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"


async def test_a_form_never_lifts_an_erasure_suppression(api: Api, form: dict[str, Any]) -> None:
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Gone", "emails": ["gone@example.com"]})
    assert (await api.call("DELETE", f"/api/v1/persons/{person['id']}"))[0] == 200
    response = await post_form(api, {"name": "Someone", "email": "gone@example.com",
                                     "consent": "on"})
    assert response.status == 200
    status, found = await api.call("GET", "/api/v1/persons?email=gone@example.com")
    assert status == 200
    assert found["items"][0]["consent"]["email"]["status"] == "opted_out"

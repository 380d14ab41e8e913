"""Double opt-in: consent given on a public form is pending until the owner of the address
confirms it through the link mailed to that address; nobody can opt someone else in, or
lift their opt-out, by typing their address into a form."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import Api

LINK = re.compile(r"/c/([0-9a-f]{24}\.[0-9a-f]{32})")


async def submit(api: Api, email: str, **extra: str) -> None:
    response = await api.client.post("/f/contact", data={
        "name": "Anna", "email": email, "consent": "on", **extra})
    assert response.status == 200, await response.text()


async def person_by_email(api: Api, email: str) -> dict[str, Any]:
    status, found = await api.call("GET", f"/api/v1/persons?email={email}")
    assert status == 200 and found["items"], found
    return dict(found["items"][0])


async def mails(api: Api, person_id: str) -> list[dict[str, Any]]:
    status, body = await api.call("GET", f"/api/v1/persons/{person_id}/timeline?channel=email")
    assert status == 200
    return [m for m in body["items"] if m["direction"] == "outbound"]


async def confirmation_token(api: Api, person_id: str) -> str:
    [mail] = await mails(api, person_id)
    found = LINK.search(mail["text"])
    assert found, mail["text"]
    return found.group(1)


async def test_the_owner_confirms_by_the_mailed_link_and_the_proof_is_kept(
        api: Api, form: dict[str, Any]) -> None:
    await submit(api, "anna@example.com")
    person = await person_by_email(api, "anna@example.com")
    assert person["consent"]["email"]["status"] == "pending"
    token = await confirmation_token(api, person["id"])

    page = await api.client.get(f"/c/{token}")
    assert page.status == 200 and "anna@example.com" in await page.text()
    assert (await person_by_email(api, "anna@example.com"))["consent"]["email"][
        "status"] == "pending"  # a GET (a mail scanner following links) changes nothing

    confirmed = await api.client.post(f"/c/{token}")
    assert confirmed.status == 200
    consent = (await person_by_email(api, "anna@example.com"))["consent"]["email"]
    assert consent["status"] == "opted_in"
    assert consent["text"] == form["consent_text"] and consent["address"] == "anna@example.com"
    assert consent["client"] == "127.0.0.1" and "confirmation email" in consent["confirmation"]
    again = await api.client.post(f"/c/{token}")
    assert again.status == 200  # a second click is harmless
    _, system = await api.call(
        "GET", f"/api/v1/persons/{person['id']}/timeline?channel=system")
    assert [e["data"]["consent"]["status"] for e in system["items"]] == ["opted_in", "pending"]


async def test_a_form_cannot_lift_an_opt_out_without_the_owner(
        api: Api, form: dict[str, Any]) -> None:
    status, victim = await api.call("POST", "/api/v1/persons", json={
        "name": "Victim", "emails": ["victim@example.com"], "consent": {"email": "opted_out"}})
    assert status == 201
    for _ in range(3):  # and cannot be used to bomb the address with confirmations
        await submit(api, "victim@example.com")
    after = await person_by_email(api, "victim@example.com")
    assert after["consent"]["email"]["status"] == "opted_out"
    assert len(await mails(api, victim["id"])) == 1
    status, preview = await api.call("POST", "/api/v1/segments/preview", json={
        "filter": {"field": "consent.email", "op": "eq", "value": "opted_in"}},
        role="marketing")
    assert status == 200 and preview["count"] == 0


async def test_a_forged_or_unknown_link_confirms_nothing(
        api: Api, form: dict[str, Any]) -> None:
    await submit(api, "anna@example.com")
    person = await person_by_email(api, "anna@example.com")
    token = await confirmation_token(api, person["id"])
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (forged, "nonsense", "0" * 24 + "." + "0" * 32):
        assert (await api.client.post(f"/c/{bad}")).status == 404
        assert (await api.client.get(f"/c/{bad}")).status == 404
    assert (await person_by_email(api, "anna@example.com"))["consent"]["email"][
        "status"] == "pending"


async def test_a_phone_typed_next_to_a_customers_email_is_not_attached(
        api: Api, form: dict[str, Any]) -> None:
    status, _ = await api.call("POST", "/api/v1/persons", json={
        "name": "Customer", "emails": ["customer@example.com"]})
    assert status == 201
    await submit(api, "customer@example.com", phone="+31 6 43056562")
    after = await person_by_email(api, "customer@example.com")
    assert after["phones"] == []
    status, found = await api.call("GET", "/api/v1/persons?phone=%2B31643056562")
    assert found["items"] == []  # nobody owns the number: its texts open a new prospect


async def test_the_proof_of_consent_shows_each_step_with_its_evidence(
        api: Api, form: dict[str, Any]) -> None:
    await submit(api, "anna@example.com")
    person = await person_by_email(api, "anna@example.com")
    await api.client.post(f"/c/{await confirmation_token(api, person['id'])}")
    status, proof = await api.call("GET", f"/api/v1/persons/{person['id']}/consent-proof",
                                   role="service")
    assert status == 200
    assert proof["current"]["email"]["status"] == "opted_in"
    confirmed, requested = proof["changes"]
    assert (requested["status"], requested["source"]) == ("pending", "webform:contact")
    assert requested["text"] == form["consent_text"] and requested["client"] == "127.0.0.1"
    assert confirmed["status"] == "opted_in" and confirmed["request_id"] == requested["event_id"]
    assert confirmed["address"] == "anna@example.com" and confirmed["confirmation"]
    status, _ = await api.call("GET", f"/api/v1/persons/{person['id']}/consent-proof",
                               role="marketing")
    assert status == 403

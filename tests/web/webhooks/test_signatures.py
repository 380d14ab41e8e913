"""Only requests Twilio signed over our public URL are accepted; anything else is 403 and
stores nothing."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from tests.channels.sms.fake_twilio import ACCOUNT_SID, FROM_NUMBER
from tests.web.webhooks.conftest import Hub

PATHS = ("/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/twilio/voice")
SMS = {"MessageSid": "SM" + "a" * 32, "AccountSid": ACCOUNT_SID, "From": "+31612345678",
       "To": FROM_NUMBER, "Body": "STOP", "NumMedia": "0"}


async def nothing_stored(hub: Hub) -> bool:
    return (await hub.store.persons.count() == 0
            and await hub.store.events.find_by_external("sms", SMS["MessageSid"]) is None
            and await hub.store.quarantine.find() == [])


@pytest.mark.parametrize("path", PATHS)
async def test_unsigned_requests_are_refused(hub: Hub, path: str) -> None:
    response = await hub.signer.post(path, SMS, sign=False)
    assert response.status == 403
    assert await nothing_stored(hub)


@pytest.mark.parametrize("path", PATHS)
async def test_a_signature_made_with_another_token_is_refused(hub: Hub, path: str) -> None:
    forged = RequestValidator("not-the-auth-token").compute_signature(
        hub.signer.public_url + path, SMS)
    response = await hub.signer.post(path, SMS, signature=forged)
    assert response.status == 403
    assert await nothing_stored(hub)


async def test_a_changed_body_breaks_the_signature(hub: Hub) -> None:
    signature = hub.signer.signature("/webhooks/twilio/sms", {**SMS, "Body": "hello"})
    response = await hub.signer.post("/webhooks/twilio/sms", SMS, signature=signature)
    assert response.status == 403
    assert await nothing_stored(hub)


async def test_forwarded_headers_cannot_choose_the_signed_url(hub: Hub) -> None:
    """Signed for the address the attacker names in X-Forwarded-*: not our public URL."""
    validator = RequestValidator("test-auth-token-0123456789abcdef")
    for url in ("https://evil.example.net/webhooks/twilio/sms",
                str(hub.api.client.make_url("/webhooks/twilio/sms"))):
        # even with the real token, a signature over any other URL than ours is refused
        signature = validator.compute_signature(url, SMS)
        response = await hub.signer.post(
            "/webhooks/twilio/sms", SMS, signature=signature,
            headers={"X-Forwarded-Host": "evil.example.net", "X-Forwarded-Proto": "https",
                     "Forwarded": "host=evil.example.net;proto=https"})
        assert response.status == 403
    assert await nothing_stored(hub)


async def test_the_query_string_is_part_of_the_signed_url(hub: Hub) -> None:
    params = {**SMS, "Body": "hello"}
    unsigned_query = hub.signer.signature("/webhooks/twilio/sms", params)
    response = await hub.signer.post("/webhooks/twilio/sms?source=promo", params,
                                     signature=unsigned_query)
    assert response.status == 403
    response = await hub.signer.post("/webhooks/twilio/sms?source=promo", params)
    assert response.status == 200


async def test_a_replayed_webhook_is_stored_once(hub: Hub) -> None:
    first = await hub.signer.post("/webhooks/twilio/sms", {**SMS, "Body": "hello"})
    again = await hub.signer.post("/webhooks/twilio/sms", {**SMS, "Body": "hello"})
    assert (first.status, again.status) == (200, 200)
    person = (await hub.store.persons.find())[0]
    assert await hub.store.events.count_for_person(person.id) == 1


async def test_a_replayed_stop_after_start_changes_nothing(hub: Hub) -> None:
    await hub.signer.post("/webhooks/twilio/sms", SMS)  # STOP
    await hub.signer.inbound_sms("+31612345678", "START")
    person = (await hub.store.persons.find())[0]
    assert person.consent_for("sms").status == "opted_in"
    replay = await hub.signer.post("/webhooks/twilio/sms", SMS)
    assert replay.status == 200
    person = (await hub.store.persons.find())[0]
    assert person.consent_for("sms").status == "opted_in"


async def test_not_a_form_is_refused(hub: Hub) -> None:
    response = await hub.api.client.post("/webhooks/twilio/sms", json=SMS, headers={
        "X-Twilio-Signature": hub.signer.signature("/webhooks/twilio/sms", SMS)})
    assert response.status == 403
    assert await nothing_stored(hub)


async def test_a_huge_body_is_413_not_500(hub: Hub) -> None:
    response = await hub.signer.post("/webhooks/twilio/sms", {**SMS, "Body": "x" * 100_000})
    assert response.status == 413
    assert await nothing_stored(hub)


@pytest.mark.parametrize(("path", "params"), [
    ("/webhooks/twilio/sms", {"From": "+31612345678", "Body": "hi"}),
    ("/webhooks/twilio/status", {"MessageSid": "SM1", "MessageStatus": "exploded"}),
    ("/webhooks/twilio/voice", {"CallSid": "CA1", "CallStatus": "completed",
                                "Direction": "sideways"}),
])
async def test_signed_but_malformed_is_a_clear_4xx(hub: Hub, path: str,
                                                    params: dict[str, str]) -> None:
    response = await hub.signer.post(path, params)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_input"


async def test_a_sender_that_is_not_a_number_is_quarantined(hub: Hub) -> None:
    response = await hub.signer.post("/webhooks/twilio/sms", {**SMS, "From": "ACME"})
    assert response.status == 200
    entries = await hub.store.quarantine.find()
    assert [e.source for e in entries] == ["twilio:sms"]

"""WhatsApp end to end through the real twilio SDK and the Twilio stand-in: a customer's
message arrives (signed webhook), staff answer inside the 24-hour window, status callbacks
(read included) never move back, a send outside the window is refused before Twilio, and
campaigns reach opted-in numbers with an approved template."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from hub.domain.common import utcnow
from hub.web.keys import SERVICES
from tests.channels.whatsapp.conftest import MEDIA_LIMIT
from tests.web.webhooks.conftest import Hub

CUSTOMER = "+31612345678"
CONTENT_SID = "HX" + "ab" * 16


async def reply(hub: Hub, person_id: str, text: str = "We are on it") -> tuple[int, Any]:
    return await hub.api.call("POST", f"/api/v1/persons/{person_id}/messages", role="service",
                              json={"channel": "whatsapp", "text": text})


async def only_person(hub: Hub) -> dict[str, Any]:
    status, body = await hub.api.call("GET", f"/api/v1/persons?phone={CUSTOMER}")
    assert status == 200 and len(body["items"]) == 1, body
    return body["items"][0]


async def test_a_message_arrives_and_staff_answer_inside_the_window(hub: Hub) -> None:
    response = await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Where is my parcel?")
    assert response.status == 200
    person = await only_person(hub)
    assert person["phones"] == [CUSTOMER]  # the WhatsApp number is one of their phones
    stored = await hub.stored_person(person["id"])
    assert stored.last_inbound("whatsapp", CUSTOMER) is not None  # WhatsApp-capable
    timeline = await hub.timeline(person["id"])
    assert (timeline[0]["channel"], timeline[0]["text"]) == ("whatsapp", "Where is my parcel?")

    status, event = await reply(hub, person["id"])
    assert status == 202, event
    sent = hub.twilio.messages[-1]
    assert (sent.to, sent.sender, sent.body) == (
        f"whatsapp:{CUSTOMER}", "whatsapp:+3197010203040", "We are on it")
    assert sent.status_callback == "https://hub.example.com/webhooks/twilio/whatsapp/status"
    assert event["channel"] == "whatsapp" and event["thread_id"] == event["id"]

    for step in ("sent", "read", "delivered", "sent"):
        assert (await hub.signer.status(sent, step)).status == 200
    final = await hub.event(event["id"])
    assert final.status == "read"
    assert [c.status for c in final.status_history].count("sent") == 1

    response = await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Thanks!")
    answer = (await hub.timeline(person["id"]))[0]
    assert answer["text"] == "Thanks!" and answer["thread_id"] == event["id"]


async def test_free_text_outside_the_window_is_refused_before_twilio(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    status, body = await reply(hub, person["id"])
    assert status == 409
    assert "24-hour WhatsApp customer-service window" in body["error"]["message"]
    assert hub.twilio.requests == 0

    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Hello")
    stored = await hub.stored_person(person["id"])
    stored.last_inbound_on = {key: utcnow() - timedelta(hours=25)
                              for key in stored.last_inbound_on}
    await hub.store.persons.replace(stored)  # a day and an hour later
    status, body = await reply(hub, person["id"])
    assert status == 409 and "window" in body["error"]["message"]
    assert hub.twilio.requests == 0


async def test_twilios_window_refusal_fails_the_event_with_63016(hub: Hub) -> None:
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Hello")
    hub.twilio.window_open.clear()  # Twilio's clock is ahead of ours
    person = await only_person(hub)
    status, event = await reply(hub, person["id"])
    assert status == 202 and event["status"] == "failed"
    assert "63016" in event["status_history"][-1]["detail"]


async def test_not_on_whatsapp_makes_the_channel_unavailable_for_that_number(hub: Hub) -> None:
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Hello")
    hub.twilio.not_on_whatsapp.add(CUSTOMER)
    person = await only_person(hub)
    _, event = await reply(hub, person["id"])
    assert "63003" in event["status_history"][-1]["detail"]
    status, body = await reply(hub, person["id"])
    assert status == 409 and "unavailable" in body["error"]["message"]
    assert hub.twilio.requests == 1


async def test_stop_and_the_dutch_start_change_whatsapp_consent(hub: Hub) -> None:
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "AFMELDEN")
    person = await only_person(hub)
    stored = await hub.stored_person(person["id"])
    assert stored.consent_for("whatsapp").status == "opted_out"
    assert stored.consent_for("sms").status == "unknown"  # channels are separate
    status, body = await reply(hub, person["id"])
    assert status == 409 and "opted out of WhatsApp" in body["error"]["message"]
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "aanmelden")
    stored = await hub.stored_person(person["id"])
    assert stored.consent_for("whatsapp").status == "opted_in"


async def test_21610_marks_the_number_opted_out_of_whatsapp(hub: Hub) -> None:
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, "Hello")
    hub.twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    person = await only_person(hub)
    await reply(hub, person["id"])
    stored = await hub.stored_person(person["id"])
    assert stored.consent_for("whatsapp").status == "opted_out"


async def test_media_location_and_button_reply(hub: Hub) -> None:
    small = hub.twilio.add_media("image/jpeg", b"\xff\xd8" + b"x" * 100)
    large = hub.twilio.add_media("video/mp4", b"v" * (MEDIA_LIMIT + 1))
    response = await hub.signer.inbound_whatsapp(
        hub.twilio, CUSTOMER, "Photo", NumMedia="2", MediaUrl0=small,
        MediaContentType0="image/jpeg", MediaUrl1=large, MediaContentType1="video/mp4")
    assert response.status == 200
    person = await only_person(hub)
    event = (await hub.timeline(person["id"]))[0]
    kept, refused = event["data"]["attachments"]
    assert kept["kept"] and kept["size"] == 102 and kept["content_type"] == "image/jpeg"
    assert not refused["kept"] and "limit" in refused["problem"]
    blob = await hub.api.client.app[SERVICES].blobs.get(kept["blob_key"])
    assert blob.startswith(b"\xff\xd8")
    _, quarantine = await hub.api.call("GET", "/api/v1/quarantine")
    assert [q["source"] for q in quarantine["items"]] == ["twilio:whatsapp:media"]

    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, Latitude="52.3676",
                                      Longitude="4.9041", Address="Dam 1, Amsterdam")
    await hub.signer.inbound_whatsapp(hub.twilio, CUSTOMER, ButtonText="Yes, tomorrow",
                                      ButtonPayload="slot-2")
    button, location = (await hub.timeline(person["id"]))[:2]
    assert location["data"]["location"]["latitude"] == "52.3676"
    assert location["text"] == "Dam 1, Amsterdam"
    assert button["data"]["button"] == {"text": "Yes, tomorrow", "payload": "slot-2"}
    assert button["text"] == "Yes, tomorrow"


async def test_bad_input_forged_unknown_status_and_non_e164_sender(hub: Hub) -> None:
    params = {"MessageSid": "SM" + "1" * 32, "From": f"whatsapp:{CUSTOMER}", "Body": "hi"}
    response = await hub.signer.post("/webhooks/twilio/whatsapp", params, signature="forged")
    assert response.status == 403
    response = await hub.signer.post("/webhooks/twilio/whatsapp", params, sign=False)
    assert response.status == 403
    _, body = await hub.api.call("GET", f"/api/v1/persons?phone={CUSTOMER}")
    assert body["items"] == []

    response = await hub.signer.post("/webhooks/twilio/whatsapp", {
        **params, "From": "whatsapp:0612345678"})
    assert response.status == 200
    response = await hub.signer.post("/webhooks/twilio/whatsapp/status", {
        "MessageSid": "SM" + "2" * 32, "MessageStatus": "teleported",
        "From": "whatsapp:+3197010203040", "To": f"whatsapp:{CUSTOMER}"})
    assert response.status == 200
    _, quarantine = await hub.api.call("GET", "/api/v1/quarantine")
    assert sorted(q["source"] for q in quarantine["items"]) == [
        "twilio:whatsapp", "twilio:whatsapp:status"]


async def test_campaign_with_an_approved_template_and_one_without(hub: Hub) -> None:
    person = await hub.person(CUSTOMER, language="nl",
                              consent={"whatsapp": "opted_in"})  # never wrote to us
    status, approved = await hub.api.call("POST", "/api/v1/templates", role="marketing", json={
        "name": "Order ready", "channel": "whatsapp",
        "body": "Hoi {{ person.first_name }}, je bestelling ligt klaar.",
        "content_sids": {"nl": CONTENT_SID, "en": "HX" + "cd" * 16},
        "content_variables": {"1": "{{ person.first_name }}"}})
    assert status == 201, approved
    status, free = await hub.api.call("POST", "/api/v1/templates", role="marketing", json={
        "name": "Free text", "channel": "whatsapp", "body": "Hoi {{ person.first_name }}!"})
    assert status == 201, free
    status, bad = await hub.api.call("POST", "/api/v1/templates", role="marketing", json={
        "name": "Bad", "channel": "whatsapp", "body": "x", "content_sids": {"nl": "nope"}})
    assert status == 422 or status == 400, bad

    async def run(template_id: str) -> dict[str, Any]:
        status, campaign = await hub.api.call("POST", "/api/v1/campaigns", role="marketing",
                                              json={"name": "Pickup", "filter": {
                                                  "field": "consent.whatsapp", "op": "eq",
                                                  "value": "opted_in"},
                                                  "channels": ["whatsapp"],
                                                  "templates": {"whatsapp": template_id},
                                                  "require_opt_in": True})
        assert status == 201, campaign
        status, _ = await hub.api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch",
                                       role="marketing")
        assert status == 200
        for _ in range(200):
            _, campaign = await hub.api.call("GET", f"/api/v1/campaigns/{campaign['id']}",
                                             role="marketing")
            if campaign["status"] == "completed":
                return campaign
            await asyncio.sleep(0.05)
        raise AssertionError(campaign)

    sent = await run(approved["id"])
    assert sent["stats"]["sent"] == 1
    message = hub.twilio.messages[-1]
    assert message.to == f"whatsapp:{CUSTOMER}" and message.content_sid == CONTENT_SID
    assert json.loads(message.content_variables or "{}") == {"1": "Anna"}
    event = (await hub.timeline(person["id"]))[0]
    assert event["data"]["content_sid"] == CONTENT_SID
    assert event["text"] == "Hoi Anna, je bestelling ligt klaar."

    refused = await run(free["id"])
    assert refused["stats"]["skipped"] == 1 and refused["stats"]["sent"] == 0
    assert len(hub.twilio.messages) == 1
    delivery = await hub.store.deliveries.for_person(refused["id"], person["id"])
    assert delivery is not None
    assert "window" in (delivery.reason or "")


"""SMS end to end: staff reply out through the real SDK to the fake Twilio, status callbacks,
the customer's answer and keywords in through signed webhooks."""

from __future__ import annotations

from channels.sms import build_sms_adapter
from hub.errors import SendFailed
from hub.ports import OutboundMessage
from hub.services.sms import OptOutOnRefusal
from hub.web.keys import SERVICES, SETTINGS
from tests.web.webhooks.conftest import Hub

CUSTOMER = "+31612345678"


async def send(hub: Hub, person_id: str, text: str = "Your order has shipped") -> tuple[int, dict]:
    return await hub.api.call("POST", f"/api/v1/persons/{person_id}/messages", role="service",
                              json={"channel": "sms", "text": text})


async def test_reply_delivered_answered_and_stopped(hub: Hub) -> None:
    """The 'Done when' story: out, delivered, answered on the same timeline, then STOP."""
    person = await hub.person(CUSTOMER)
    status, event = await send(hub, person["id"])
    assert status == 202, event
    sent = hub.twilio.messages[0]
    assert (sent.to, sent.body) == (CUSTOMER, "Your order has shipped")
    assert sent.status_callback == "https://hub.example.com/webhooks/twilio/status"
    assert event["external_id"] == sent.sid and event["status"] == "queued"
    assert event["data"]["segments"] == 1

    for step in ("sent", "delivered"):
        response = await hub.signer.status(sent, step)
        assert response.status == 200
    stored = await hub.event(event["id"])
    assert stored.status == "delivered"
    assert [c.status for c in stored.status_history][-2:] == ["sent", "delivered"]

    response = await hub.signer.inbound_sms(CUSTOMER, "Thanks, see you tomorrow")
    assert response.status == 200
    assert "<Response/>" in await response.text()
    timeline = await hub.timeline(person["id"])
    answer = timeline[0]
    assert (answer["direction"], answer["text"]) == ("inbound", "Thanks, see you tomorrow")
    assert answer["thread_id"] == event["id"]

    await hub.signer.inbound_sms(CUSTOMER, "STOP")
    assert (await hub.stored_person(person["id"])).consent_for("sms").status == "opted_out"
    subjects = [e["subject"] for e in await hub.timeline(person["id"])]
    assert "sms consent: opted out" in subjects


async def test_status_callbacks_in_any_order_never_move_back(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    _, event = await send(hub, person["id"])
    sent = hub.twilio.messages[0]
    for step in ("delivered", "sent", "queued", "delivered", "sent"):
        assert (await hub.signer.status(sent, step)).status == 200
    stored = await hub.event(event["id"])
    assert stored.status == "delivered"
    history = [c.status for c in stored.status_history]
    assert history.count("delivered") == 1 and history.count("sent") == 1


async def test_undelivered_keeps_twilios_error(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    _, event = await send(hub, person["id"])
    await hub.signer.status(hub.twilio.messages[0], "undelivered", ErrorCode="30003",
                            ErrorMessage="Unreachable destination handset")
    stored = await hub.event(event["id"])
    assert stored.status == "undelivered"
    assert "30003" in (stored.status_history[-1].detail or "")


async def test_stop_then_a_send_attempt_is_refused(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    await hub.signer.inbound_sms(CUSTOMER, "stop")
    status, body = await send(hub, person["id"])
    assert status == 409 and "opted out" in body["error"]["message"]
    assert hub.twilio.messages == []

    await hub.signer.inbound_sms(CUSTOMER, "Start")
    assert (await hub.stored_person(person["id"])).consent_for("sms").status == "opted_in"
    status, _ = await send(hub, person["id"])
    assert status == 202 and len(hub.twilio.messages) == 1


async def test_dutch_keywords(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    await hub.signer.inbound_sms(CUSTOMER, "Afmelden")
    assert (await hub.stored_person(person["id"])).consent_for("sms").status == "opted_out"
    await hub.signer.inbound_sms(CUSTOMER, "AANMELDEN")
    consent = (await hub.stored_person(person["id"])).consent_for("sms")
    assert (consent.status, consent.source) == ("opted_in", "sms:AANMELDEN")


async def test_a_sentence_with_stop_in_it_is_just_a_message(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    await hub.signer.inbound_sms(CUSTOMER, "please stop the delivery until monday")
    assert (await hub.stored_person(person["id"])).consent_for("sms").status == "unknown"


async def test_help_is_answered_in_twiml_and_shown(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    response = await hub.signer.inbound_sms(CUSTOMER, "HELP")
    text = await response.text()
    assert response.content_type == "application/xml"
    assert "<Message>" in text and "STOP" in text
    reply = (await hub.timeline(person["id"]))[0]
    assert (reply["direction"], reply["data"]["auto_reply"]) == ("outbound", "help")


async def test_unknown_sender_becomes_a_prospect_with_media(hub: Hub) -> None:
    response = await hub.signer.inbound_sms(
        "+31687654321", "Photo of the damage", NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg")
    assert response.status == 200
    status, found = await hub.api.call("GET", "/api/v1/persons?phone=0687654321")
    assert status == 200 and len(found["items"]) == 1
    person = found["items"][0]
    assert person["customer_status"] == "prospect"
    event = (await hub.timeline(person["id"]))[0]
    assert event["data"]["media"] == [{
        "url": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1",
        "content_type": "image/jpeg"}]


async def test_rate_limit_is_retried_then_sent(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    hub.twilio.fail_next(429, 20429, "Too Many Requests")
    status, event = await send(hub, person["id"])
    assert status == 202 and event["status"] == "queued"
    assert hub.twilio.requests == 2 and len(hub.twilio.messages) == 1


async def test_server_errors_give_up_as_failed(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    hub.twilio.fail_next(503, 20503, "Service Unavailable", times=3)
    status, event = await send(hub, person["id"])
    assert status == 202 and event["status"] == "failed"
    assert "503" in event["status_history"][-1]["detail"]


async def test_unsubscribed_recipient_fails_with_twilios_code(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    hub.twilio.unsubscribed.add(CUSTOMER)
    status, event = await send(hub, person["id"])
    assert status == 202 and event["status"] == "failed"
    assert "21610" in event["status_history"][-1]["detail"]
    assert hub.twilio.requests == 1  # permanent: not retried


async def test_21610_on_a_send_marks_the_number_opted_out(hub: Hub) -> None:
    """Through the guard that wraps the SMS adapter around its send."""
    person = await hub.person(CUSTOMER)
    hub.twilio.unsubscribed.add(CUSTOMER)
    app = hub.api.client.app
    adapter = build_sms_adapter(app[SETTINGS])
    assert adapter is not None
    guard = OptOutOnRefusal(adapter, app[SERVICES].sms)
    try:
        await guard.send(OutboundMessage(event_id="e1", channel="sms", to=CUSTOMER, text="hi"))
    except SendFailed as exc:
        assert exc.provider_code == "21610"
    finally:
        await guard.close()
    consent = (await hub.stored_person(person["id"])).consent_for("sms")
    assert (consent.status, consent.source) == ("opted_out", "twilio:21610")


async def test_21610_in_a_status_callback_marks_opted_out(hub: Hub) -> None:
    person = await hub.person(CUSTOMER)
    _, event = await send(hub, person["id"])
    await hub.signer.status(hub.twilio.messages[0], "failed", ErrorCode="21610")
    assert (await hub.event(event["id"])).status == "failed"
    assert (await hub.stored_person(person["id"])).consent_for("sms").status == "opted_out"


async def test_status_for_an_unknown_message_is_kept_in_quarantine(hub: Hub) -> None:
    params = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    response = await hub.signer.post("/webhooks/twilio/status", params)
    assert response.status == 200
    entries = await hub.store.quarantine.find()
    assert [e.source for e in entries] == ["twilio:status"]

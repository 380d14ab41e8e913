"""Staff message → a real SMTP server; the customer's reply placed in Dovecot → the same
timeline, threaded to the original, within one poll interval. Bounces mark the original."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

from tests.channels.email.conftest import MakeApi, new_person, post_mail
from tests.channels.email.servers import Dovecot, SmtpSink
from tests.web.conftest import Api


async def _wait_for_inbound(api: Api, person_id: str, count: int = 1) -> list[dict[str, Any]]:
    for _ in range(100):
        _status, page = await api.call("GET", f"/api/v1/persons/{person_id}/timeline")
        inbound = [e for e in page["items"] if e["direction"] == "inbound"]
        if len(inbound) >= count:
            return inbound
        await asyncio.sleep(0.05)
    raise AssertionError("the reply did not reach the timeline")


def _reply(original: EmailMessage, sender: str, text: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = f"Klaas <{sender}>"
    reply["To"] = original["Reply-To"]  # the client answers to Reply-To, drops In-Reply-To
    reply["Subject"] = "Re: " + str(original["Subject"])
    reply["Message-ID"] = f"<reply-{sender}@example.com>"
    reply.set_content(f"{text}\n\nOn Mon, 2 Mar 2026, Hub Support wrote:\n> {original['Subject']}"
                      "\n> Kunt u dit bevestigen?\n")
    return bytes(reply)


async def test_reply_in_dovecot_threads_to_the_staff_message(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int], dovecot: Dovecot
) -> None:
    sink, port = smtp_server
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}", HUB_IMAP_URL=dovecot.url,
                         HUB_IMAP_POLL_SECONDS="0.2")
    person_id = await new_person(api)
    status, sent = await api.call("POST", f"/api/v1/persons/{person_id}/messages", json={
        "channel": "email", "subject": "Uw afspraak", "text": "Kunt u dit bevestigen?"})
    assert status == 202 and sent["status"] == "sent"
    [original] = sink.received

    await asyncio.to_thread(dovecot.deliver, _reply(original, "klant@example.com", "Ja, graag."))
    [reply] = await _wait_for_inbound(api, person_id)
    assert reply["thread_id"] == sent["id"]
    assert reply["text"] == "Ja, graag."  # quoted history trimmed for display ...
    assert "Kunt u dit bevestigen?" in reply["data"]["full_text"]  # ... and kept
    assert reply["from"] == "klant@example.com"

    # the same token from another address is flagged for staff, not silently threaded
    await api.call("POST", "/api/v1/persons", json={"name": "X", "emails": ["x@example.org"]})
    await asyncio.to_thread(dovecot.deliver, _reply(original, "x@example.org", "Ik ook"))
    status, found = await api.call("GET", "/api/v1/persons?email=x@example.org")
    other_id = found["items"][0]["id"]
    [foreign] = await _wait_for_inbound(api, other_id)
    assert foreign["thread_id"] != sent["id"]
    assert "thread_sender_mismatch" in foreign["data"]["flags"]


def _dsn(message_id: str, n: int) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@hub.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{n}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; klant@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@hub.example\r\nTo: klant@example.com\r\nMessage-ID: <{message_id}>\r\n"
        "\r\n--B--\r\n").encode()


async def test_bounces_mark_the_original_and_then_the_address(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    _, port = smtp_server
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api)
    sent = []
    for n in range(2):
        _, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                  json={"channel": "email", "text": f"bericht {n}"})
        sent.append(event)
    status, result = await post_mail(api, _dsn(sent[0]["external_id"], 0))
    assert status == 202 and result["kind"] == "event", result
    bounce = result["event"]
    assert bounce["person_id"] == person_id and bounce["thread_id"] == sent[0]["id"]
    assert "bounce" in bounce["data"]["flags"]
    status, page = await api.call("GET", f"/api/v1/persons/{person_id}/timeline")
    original = next(e for e in page["items"] if e["id"] == sent[0]["id"])
    assert original["status"] == "bounced"
    assert "5.1.1" in original["status_history"][-1]["detail"]
    _, person = await api.call("GET", f"/api/v1/persons/{person_id}")
    assert "email_undeliverable" not in person["attributes"]  # one bounce is not enough
    await post_mail(api, _dsn(sent[0]["external_id"], 0))  # the same DSN again: no change
    await post_mail(api, _dsn(sent[1]["external_id"], 1))
    _, person = await api.call("GET", f"/api/v1/persons/{person_id}")
    assert person["attributes"]["email_undeliverable"] == "klant@example.com"

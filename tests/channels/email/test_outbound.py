"""Staff email through a real SMTP server (aiosmtpd in this process)."""

from __future__ import annotations

from email.message import EmailMessage

from tests.channels.email.conftest import MakeApi, new_person
from tests.channels.email.servers import SmtpSink


async def test_message_arrives_with_proper_mime(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api, name="Zoë Ünal")
    status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages", json={
        "channel": "email", "subject": "Uw bestelling — €25 ✓", "text": "Hallo Zoë,\nDank!",
        "html": "<p>Hallo <b>Zoë</b></p>"})
    assert status == 202, event
    assert event["status"] == "sent"
    [mail] = sink.received
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == "Uw bestelling — €25 ✓"
    assert mail["From"].addresses[0].addr_spec == "support@hub.example"
    assert mail["To"].addresses[0].addr_spec == "klant@example.com"
    assert mail["Date"].datetime is not None
    message_id = str(mail["Message-ID"]).strip("<> ")
    assert message_id.endswith("@hub.example")
    assert event["external_id"] == message_id  # replies are matched on it
    reply_to = mail["Reply-To"].addresses[0]
    assert reply_to.domain == "hub.example"
    assert reply_to.username.startswith("support+") and len(reply_to.username) > 30
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n").strip() == "Hallo Zoë,\nDank!"
    assert html.get_content_type() == "text/html" and "<b>Zoë</b>" in html.get_content()
    raw = sink.envelopes[0][2]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]  # encoded-words, 7-bit headers
    assert max(raw) < 128  # the whole message is 7-bit clean


async def test_plain_text_only_and_connection_reused(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api)
    for n in range(3):
        status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                       json={"channel": "email", "text": f"bericht {n}"})
        assert status == 202 and event["status"] == "sent"
    assert [m.get_content_type() for m in sink.received] == ["text/plain"] * 3
    assert len({str(m["Message-ID"]) for m in sink.received}) == 3


async def test_a_451_is_retried_and_then_sent(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    sink.fail_next = ["451 4.3.0 Try again later"]
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api)
    status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                   json={"channel": "email", "text": "na een 451"})
    assert status == 202
    assert event["status"] == "sent"
    assert len(sink.received) == 1


async def test_a_550_fails_the_event_with_the_server_reply(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    sink.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: mailbox unavailable"
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api, email="gone@example.com")
    status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                   json={"channel": "email", "text": "hallo?"})
    assert status == 202
    assert event["status"] == "failed"
    assert "550 5.1.1" in event["status_history"][-1]["detail"]
    assert "mailbox unavailable" in event["status_history"][-1]["detail"]
    assert sink.received == []
    # the connection stays usable for the next message
    other = await new_person(api, email="ok@example.com")
    status, event = await api.call("POST", f"/api/v1/persons/{other}/messages",
                                   json={"channel": "email", "text": "hallo"})
    assert event["status"] == "sent"


async def test_server_down_is_transient_then_failed(make_api: MakeApi) -> None:
    from tests.channels.email.servers import free_port

    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    person_id = await new_person(api)
    status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                   json={"channel": "email", "text": "niemand thuis"})
    assert status == 202
    assert event["status"] == "failed"
    assert "gave up after 3 attempts" in event["status_history"][-1]["detail"]


async def test_a_subject_with_cr_lf_cannot_add_headers(
    make_api: MakeApi, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    api = await make_api(HUB_SMTP_URL=f"smtp://127.0.0.1:{port}")
    person_id = await new_person(api)
    status, _ = await api.call("POST", f"/api/v1/persons/{person_id}/messages", json={
        "channel": "email", "subject": "Re: hi\r\nBcc: victim@example.org\r\n", "text": "x"})
    assert status == 202
    [mail] = sink.received
    assert mail["Bcc"] is None
    assert sink.envelopes[0][1] == ["klant@example.com"]
    assert "\n" not in str(mail["Subject"])


async def test_without_smtp_the_sandbox_outbox_sends(make_api: MakeApi) -> None:
    api = await make_api()
    person_id = await new_person(api)
    status, event = await api.call("POST", f"/api/v1/persons/{person_id}/messages",
                                   json={"channel": "email", "text": "naar de outbox"})
    assert status == 202 and event["status"] == "sent"

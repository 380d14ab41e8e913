"""Staff messages on the default run: the sandbox outbox "sends" them, end to end."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from hub.config import Settings
from tests.web.conftest import Api


async def test_email_to_outbox_is_recorded_and_readable(api: Api, settings: Settings) -> None:
    _, anna = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna", "emails": ["anna@example.com"], "phones": ["0612345678"],
        "preferred_channel": "email"})
    status, event = await api.call("POST", f"/api/v1/persons/{anna['id']}/messages", json={
        "subject": "Uw vraag: beantwoord (café)", "text": "Hallo Anna,\nHier is het antwoord.",
        "html": "<p>Hallo Anna</p>"})
    assert status == 202, event
    assert (event["channel"], event["direction"], event["status"]) == ("email", "outbound", "sent")
    assert [s["status"] for s in event["status_history"]] == ["queued", "sent"]
    assert event["to"] == "anna@example.com" and event["author"] == "admin-test"
    assert event["external_id"].startswith("<") and event["thread_id"] == event["id"]
    files = list((settings.var_dir / "outbox").glob("*.eml"))
    assert [f.stem for f in files] == [event["id"]]
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["To"] == "anna@example.com"
    assert str(mail["Subject"]) == "Uw vraag: beantwoord (café)"
    assert mail["Message-ID"] == event["external_id"]
    assert "Hier is het antwoord." in mail.get_body(("plain",)).get_content()
    _, line = await api.call("GET", f"/api/v1/persons/{anna['id']}/timeline")
    assert line["items"][0]["id"] == event["id"]


async def test_channel_defaults_to_preference_and_falls_back(api: Api, settings: Settings) -> None:
    _, bram = await api.call("POST", "/api/v1/persons", json={
        "name": "Bram", "phones": ["0687654321"], "preferred_channel": "email"})
    status, event = await api.call("POST", f"/api/v1/persons/{bram['id']}/messages",
                                   json={"subject": "ignored on SMS", "text": "Tot morgen!"})
    assert status == 202 and event["channel"] == "sms" and event["subject"] is None
    sms = json.loads((settings.var_dir / "outbox" / f"{event['id']}.json").read_text())
    assert (sms["to"], sms["body"]) == ("+31687654321", "Tot morgen!")


async def test_refusals_are_clear_and_store_nothing(api: Api) -> None:
    _, cas = await api.call("POST", "/api/v1/persons", json={
        "name": "Cas", "phones": ["0611111111"], "consent": {"sms": "opted_out"}})
    status, body = await api.call("POST", f"/api/v1/persons/{cas['id']}/messages",
                                  json={"channel": "sms", "text": "hi"})
    assert status == 409 and "opted out" in body["error"]["message"]
    status, body = await api.call("POST", f"/api/v1/persons/{cas['id']}/messages",
                                  json={"channel": "email", "text": "hi"})
    assert status == 409 and "no email address" in body["error"]["message"]
    status, body = await api.call("POST", f"/api/v1/persons/{cas['id']}/messages",
                                  json={"channel": "fax", "text": "hi"})
    assert status == 422
    _, line = await api.call("GET", f"/api/v1/persons/{cas['id']}/timeline?channel=sms")
    assert line["items"] == []
    status, _ = await api.call("POST", f"/api/v1/persons/{cas['id']}/messages", role="marketing",
                               json={"text": "hi"})
    assert status == 403


async def test_subject_with_cr_lf_is_sent_on_one_line(api: Api, settings: Settings) -> None:
    _, dora = await api.call("POST", "/api/v1/persons", json={
        "name": "Dora", "emails": ["dora@example.com"], "preferred_channel": "email"})
    status, event = await api.call("POST", f"/api/v1/persons/{dora['id']}/messages", json={
        "subject": "a\r\nBcc: x@y", "text": "Hallo Dora"})
    assert status == 202, event
    assert event["status"] == "sent"
    _, stored = await api.call("GET", f"/api/v1/persons/{dora['id']}/timeline")
    assert stored["items"][0]["status"] == "sent"
    raw = (settings.var_dir / "outbox" / f"{event['id']}.eml").read_bytes()
    head = raw.split(b"\n\n", 1)[0]
    subjects = [line for line in head.splitlines() if line.lower().startswith(b"subject:")]
    assert subjects == [b"Subject: a Bcc: x@y"], head
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Bcc"] is None
    assert "\n" not in str(mail["Subject"]) and "Bcc: x@y" in str(mail["Subject"])

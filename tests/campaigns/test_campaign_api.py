"""Marketing's whole job through the API alone, on the sandbox outbox: segment, templates,
preview, launch on ["preferred", "email", "sms"], watch it complete, read stats, a reply
counts, and the unsubscribe link works (GET changes nothing, one POST opts out)."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.services.reply_tokens import ReplyTokens
from tests.campaigns.conftest import wait_for_status
from tests.web.conftest import Api

M = "marketing"


async def make_people(api: Api) -> dict[str, str]:
    people: list[dict[str, Any]] = [
        {"name": "Anna <b>Bold</b>", "emails": ["anna@example.org"], "gender": "female",
         "birth_date": "1985-05-05", "preferred_channel": "email",
         "consent": {"email": "opted_in"}},
        {"name": "Bea", "emails": ["bea@example.org"], "phones": ["+31612345001"],
         "gender": "female", "birth_date": "1990-01-01", "preferred_channel": "sms",
         "consent": {"email": "opted_in", "sms": "opted_in"}},
        {"name": "Cees", "emails": ["cees@example.org"], "phones": ["+31612345002"],
         "gender": "male", "preferred_channel": "email",
         "consent": {"email": "opted_out", "sms": "opted_in"}},
        {"name": "Door", "emails": ["door@example.org"], "gender": "female",
         "consent": {"email": "opted_out"}},
        {"name": "Eef", "gender": "female"},
    ]
    ids = {}
    for person in people:
        status, body = await api.call("POST", "/api/v1/persons", json=person)
        assert status == 201, body
        ids[person["name"].split()[0]] = body["id"]
    return ids


async def test_marketing_flow(api: Api, settings: Settings) -> None:
    ids = await make_people(api)
    women = {"all": [{"field": "gender", "op": "eq", "value": "female"},
                     {"not": {"field": "last_contact", "op": "within_days", "value": 90}}]}
    status, preview = await api.call("POST", "/api/v1/segments/preview", role=M,
                                     json={"filter": women})
    assert status == 200 and preview["count"] == 4 and len(preview["sample"]) == 4
    status, bad = await api.call("POST", "/api/v1/segments/preview", role=M,
                                 json={"filter": {"field": "gender", "op": "$where", "value": 1}})
    assert status == 422 and "filter.op" in bad["error"]["message"]
    status, segment = await api.call("POST", "/api/v1/segments", role=M,
                                     json={"name": "Women", "filter": women})
    assert status == 201
    status, again = await api.call("GET", f"/api/v1/segments/{segment['id']}/preview", role=M)
    assert again["count"] == 4

    status, mail = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "News", "channel": "email", "subject": "News for {{ person.first_name }}",
        "body": "Dear {{ person.name }}, unsubscribe: {{ unsubscribe_url }}",
        "html": "<p>Dear {{ person.name }}</p>"})
    assert status == 201, mail
    status, sms = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "News SMS", "channel": "sms", "body": "Hi {{ person.first_name }}!"})
    assert status == 201
    status, broken = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "x", "channel": "sms", "body": "ok\n{% if %}"})
    assert status == 422 and broken["error"]["details"]["line"] == 2
    status, shown = await api.call("POST", f"/api/v1/templates/{mail['id']}/preview", role=M,
                                   json={"person_id": ids["Anna"]})
    assert status == 200 and shown["subject"] == "News for Anna"
    assert "&lt;b&gt;Bold&lt;/b&gt;" in shown["html"]
    status, shown = await api.call("POST", f"/api/v1/templates/{sms['id']}/preview", role=M,
                                   json={"person_id": ids["Bea"]})
    assert shown["text"] == "Hi Bea!" and shown["sms"]["segments"] == 1

    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "segment_id": segment["id"], "channels": ["preferred", "email", "sms"],
        "templates": {"email": mail["id"], "sms": sms["id"]}})
    assert status == 201 and campaign["status"] == "draft", campaign
    status, launched = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch",
                                      role=M)
    assert status == 200 and launched["status"] == "running"
    status, again = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    assert status == 409
    done = await wait_for_status(api, campaign["id"], "completed")
    stats = done["stats"]
    assert stats["audience"] == 4 and stats["sent"] == 2 and stats["skipped"] == 2, stats
    assert stats["queued"] == 0 and done["stats"]["progress"] == 1.0

    outbox = Path(settings.var_dir) / "outbox"
    emls = sorted(outbox.glob("*.eml"))
    smss = sorted(outbox.glob("*.json"))
    assert len(emls) == 1 and len(smss) == 1
    sent = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert sent["To"] == "anna@example.org" and sent["Subject"] == "News for Anna"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in sent["List-Unsubscribe"] and "mailto:" in sent["List-Unsubscribe"]
    assert json.loads(smss[0].read_text())["body"] == "Hi Bea!"
    skipped = await api.store.deliveries.for_person(campaign["id"], ids["Door"])
    assert skipped is not None and skipped.reason == "opted out of email; no phone number"
    eef = await api.store.deliveries.for_person(campaign["id"], ids["Eef"])
    assert eef is not None and eef.status == "skipped" and eef.reason

    # the reply threads to the campaign message and counts as replied
    anna = await api.store.deliveries.for_person(campaign["id"], ids["Anna"])
    assert anna is not None and anna.event_id
    token = ReplyTokens(settings.secret_key).make(anna.event_id)
    raw = (f"From: anna@example.org\r\nTo: reply+{token}@shop.example\r\n"
           "Subject: Re: News\r\nMessage-ID: <r1@example.org>\r\n\r\nThanks!\r\n").encode()
    status, _ = await api.call("POST", "/api/v1/inbound/email", data=raw,
                               headers={"Content-Type": "message/rfc822"})
    assert status == 202
    _, done = await api.call("GET", f"/api/v1/campaigns/{campaign['id']}", role=M)
    assert done["stats"]["replied"] == 1

    # unsubscribe: GET shows a confirmation and changes nothing; one POST opts out
    url = sent["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    path = url[url.index("/u/"):]
    page = await api.client.get(path)
    assert page.status == 200 and "Unsubscribe" in await page.text()
    person = await api.store.persons.get(ids["Anna"])
    assert person is not None and person.consent_for("email").status == "opted_in"
    posted = await api.client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert posted.status == 200
    person = await api.store.persons.get(ids["Anna"])
    assert person is not None and person.consent_for("email").status == "opted_out"
    _, done = await api.call("GET", f"/api/v1/campaigns/{campaign['id']}", role=M)
    assert done["stats"]["opted_out"] == 1
    forged = await api.client.post(path[:-4] + "0000", data={"List-Unsubscribe": "One-Click"})
    assert forged.status == 404
    status, timeline = await api.call("GET", f"/api/v1/persons/{ids['Anna']}/timeline")
    kinds = [(e["channel"], e["direction"], e.get("campaign_id")) for e in timeline["items"]]
    assert ("system", "internal", campaign["id"]) in kinds
    assert ("email", "inbound", campaign["id"]) in kinds


async def test_pause_resume_cancel_and_roles(api: Api) -> None:
    await make_people(api)
    status, sms = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "n", "channel": "sms", "body": "Hi"})
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Later", "filter": {"field": "phone", "op": "exists", "value": True},
        "channels": ["sms"], "templates": {"sms": sms["id"]},
        "send_at": "2999-01-01T00:00:00Z"})
    assert status == 201
    _, launched = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    assert launched["status"] == "scheduled"
    _, paused = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/pause", role=M)
    assert paused["status"] == "paused"
    _, cancelled = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/cancel", role=M)
    assert cancelled["status"] == "cancelled"
    status, _ = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/resume", role=M)
    assert status == 409
    status, _ = await api.call("GET", f"/api/v1/campaigns/{campaign['id']}", role="service")
    assert status == 403
    status, _ = await api.call("GET", "/api/v1/campaigns/nope", role=M)
    assert status == 404
    status, bad = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "x", "filter": {"field": "age", "op": "gte", "value": "old"},
        "templates": {"sms": sms["id"]}})
    assert status == 422, bad

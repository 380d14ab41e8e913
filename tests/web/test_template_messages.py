"""One-to-one messages from a stored template (issue 6, point 4): rendered for the person,
sent as a service message (marketing consent does not block it), template errors as 422 with
the line and message."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from typing import Any

from hub.config import Settings
from tests.web.conftest import Api


async def template(api: Api, **fields: Any) -> str:
    status, body = await api.call("POST", "/api/v1/templates", role="marketing", json=fields)
    assert status == 201, body
    return str(body["id"])


async def person(api: Api, **fields: Any) -> str:
    status, body = await api.call("POST", "/api/v1/persons", json=fields)
    assert status == 201, body
    return str(body["id"])


async def send(api: Api, person_id: str, **body: Any) -> tuple[int, Any]:
    return await api.call("POST", f"/api/v1/persons/{person_id}/messages", json=body)


async def test_email_template_rendered_for_an_opted_out_person(api: Api,
                                                               settings: Settings) -> None:
    anna = await person(api, name="Anna <b>de Vries</b>", emails=["anna@example.com"],
                        consent={"email": "opted_out"})
    mail = await template(api, name="Answer", channel="email",
                          subject="About your question, {{ person.first_name }}",
                          body="Dear {{ person.name }},\nhere is the answer.",
                          html="<p>Dear {{ person.name }}</p>")
    status, event = await send(api, anna, template_id=mail)
    assert status == 202, event
    assert (event["channel"], event["status"]) == ("email", "sent")
    assert event["subject"] == "About your question, Anna"
    assert event["text"] == "Dear Anna <b>de Vries</b>,\nhere is the answer."
    assert event.get("campaign_id") is None
    sent = message_from_bytes((settings.var_dir / "outbox" / f"{event['id']}.eml").read_bytes(),
                              policy=policy.default)
    assert sent["Subject"] == "About your question, Anna"
    html = sent.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;b&gt;de Vries&lt;/b&gt;" in html and "<b>" not in html


async def test_sms_template_goes_on_the_template_channel(api: Api, settings: Settings) -> None:
    bea = await person(api, name="Bea Jansen", emails=["bea@example.com"],
                       phones=["0612345678"], preferred_channel="email",
                       consent={"sms": "unknown", "email": "opted_in"})
    sms = await template(api, name="Reminder", channel="sms",
                         body="Hi {{ person.first_name }}, see you tomorrow!")
    status, event = await send(api, bea, template_id=sms)
    assert status == 202 and event["channel"] == "sms" and event["subject"] is None
    body = json.loads((settings.var_dir / "outbox" / f"{event['id']}.json").read_text())
    assert body["body"] == "Hi Bea, see you tomorrow!"
    status, wrong = await send(api, bea, template_id=sms, channel="email")
    assert status == 422 and wrong["error"]["details"]["field"] == "channel"


async def test_template_errors_and_bad_bodies(api: Api) -> None:
    cas = await person(api, name="Cas", emails=["cas@example.com"])
    broken = await template(api, name="x", channel="email", subject="s",
                            body="Hello\n{{ person.nickname.upper() }}")
    status, body = await send(api, cas, template_id=broken)
    assert status == 422, body
    assert body["error"]["details"]["line"] == 2 and body["error"]["details"]["message"]
    escape = await template(api, name="y", channel="email", subject="s",
                            body="{{ ''.__class__.__mro__ }}")
    status, body = await send(api, cas, template_id=escape)
    assert status == 422 and body["error"]["details"]["line"] == 1, body
    empty = await template(api, name="z", channel="email", subject="s",
                           body="{% if false %}x{% endif %}")
    status, body = await send(api, cas, template_id=empty)
    assert status == 422 and body["error"]["details"]["field"] == "template_id"
    for bad in ({"text": "hi", "template_id": broken}, {},
                {"template_id": broken, "subject": "s"}):
        status, body = await send(api, cas, **bad)
        assert status == 422, (bad, body)
    status, _ = await send(api, cas, template_id="no-such-template")
    assert status == 404
    _, line = await api.call("GET", f"/api/v1/persons/{cas}/timeline?channel=email")
    assert line["items"] == []

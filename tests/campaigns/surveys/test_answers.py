"""Surveys end to end (issue 7): an NPS survey sent as a campaign by SMS and email, answered
through the personal link, by SMS reply (webhooks signed with the twilio SDK's validator) and
by email reply (through the MTA route), and a score staff record during a call; each answer
lands once, replays change nothing, garbage is not counted; results overall, per channel and
per segment."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hub.services.reply_tokens import ReplyTokens
from hub.web.keys import SETTINGS
from tests.web.webhooks.conftest import Hub

M = "marketing"
ANNA_PHONE = "+31612345678"
LINK = re.compile(r"https://hub\.example\.com(/s/[A-Za-z0-9_-]{40,})")


async def wait_for(check: Any, within_s: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        found = await check()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def make_survey(hub: Hub, kind: str = "nps") -> dict[str, Any]:
    status, survey = await hub.api.call("POST", "/api/v1/surveys", role=M, json={
        "name": "Spring NPS", "kind": kind,
        "question": "How likely are you to recommend us to a friend?",
        "follow_up": "What is the main reason for your score?",
        "thank_you": "Thank you for your answer!",
        "translations": {"nl": {"question": "Hoe waarschijnlijk is het dat u ons aanbeveelt?"}}})
    assert status == 201, survey
    return survey


async def send_survey_campaign(hub: Hub, survey: dict[str, Any]) -> dict[str, Any]:
    ids = {}
    for name, fields in {
        "Anna": {"phones": [ANNA_PHONE], "preferred_channel": "sms", "tags": ["vip"]},
        "Bert": {"emails": ["bert@example.org"], "preferred_channel": "email"},
        "Cees": {"emails": ["cees@example.org"], "phones": ["+31687654321"],
                 "preferred_channel": "sms", "language": "nl", "tags": ["vip"]},
    }.items():
        status, person = await hub.api.call("POST", "/api/v1/persons",
                                            json={"name": name, **fields})
        assert status == 201, person
        ids[name] = person["id"]
    _, sms = await hub.api.call("POST", "/api/v1/templates", role=M, json={
        "name": "NPS SMS", "channel": "sms",
        "body": "Hi {{ person.first_name }}, 0-10: would you recommend us? Reply with a number "
                "or tap {{ survey_url }}"})
    _, mail = await hub.api.call("POST", "/api/v1/templates", role=M, json={
        "name": "NPS mail", "channel": "email", "subject": "A quick question",
        "body": "Answer with one tap: {{ survey_url }}\nOr reply with a number from 0 to 10."})
    status, campaign = await hub.api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "NPS spring", "kind": "survey", "survey_id": survey["id"],
        "filter": {"field": "name", "op": "exists", "value": True},
        "channels": ["preferred", "email", "sms"], "require_opt_in": False,
        "templates": {"email": mail["id"], "sms": sms["id"]}})
    assert status == 201, campaign
    status, _ = await hub.api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    assert status == 200

    async def done() -> Any:
        _, body = await hub.api.call("GET", f"/api/v1/campaigns/{campaign['id']}", role=M)
        return body if body["status"] == "completed" else None

    finished = await wait_for(done)
    assert finished["stats"]["sent"] == 3, finished
    return {"campaign": finished, "ids": ids}


async def outbound_text(hub: Hub, person_id: str) -> tuple[str, str]:
    items = [e for e in await hub.timeline(person_id) if e["direction"] == "outbound"]
    assert items, "no survey message was sent"
    return items[0]["id"], items[0]["text"]


async def results(hub: Hub, survey_id: str, **query: str) -> dict[str, Any]:
    status, body = await hub.api.call("GET", f"/api/v1/surveys/{survey_id}/results", role=M,
                                      params=query)
    assert status == 200, body
    return body


async def test_nps_sent_as_campaign_and_answered_on_every_channel(hub: Hub) -> None:
    survey = await make_survey(hub)
    sent = await send_survey_campaign(hub, survey)
    ids, campaign = sent["ids"], sent["campaign"]

    # Anna got an SMS with her personal link; she answers by SMS reply, Twilio retries it
    _, anna_text = await outbound_text(hub, ids["Anna"])
    assert LINK.search(anna_text), anna_text
    assert (await hub.signer.inbound_sms(ANNA_PHONE, "9 great service", sid="SM" + "a" * 32)
            ).status == 200
    assert (await hub.signer.inbound_sms(ANNA_PHONE, "9 great service", sid="SM" + "a" * 32)
            ).status == 200
    answer = (await hub.timeline(ids["Anna"]))[0]
    assert answer["channel"] == "survey" and answer["survey"]["score"] == 9
    assert answer["survey"]["comment"] == "great service"
    assert answer["campaign_id"] == campaign["id"]
    # garbage is kept as an ordinary message and not counted
    await hub.signer.inbound_sms(ANNA_PHONE, "what do you mean?")
    assert (await hub.timeline(ids["Anna"]))[0]["channel"] == "sms"

    # Bert got an email; he replies with the score on the first line
    bert_event, bert_text = await outbound_text(hub, ids["Bert"])
    assert LINK.search(bert_text)
    token = ReplyTokens(hub.api.client.app[SETTINGS].secret_key).make(bert_event)
    raw = (f"From: bert@example.org\r\nTo: reply+{token}@hub.example\r\n"
           "Subject: Re: A quick question\r\nMessage-ID: <bert-1@example.org>\r\n\r\n"
           "6\r\nDelivery was late.\r\n\r\nOn Mon, Hub wrote:\r\n> Answer with one tap\r\n"
           ).encode()
    for _ in range(2):  # the MTA delivers it twice
        status, _ = await hub.api.call("POST", "/api/v1/inbound/email", data=raw,
                                       headers={"Content-Type": "message/rfc822"})
        assert status == 202
    bert_answer = (await hub.timeline(ids["Bert"]))[0]
    assert bert_answer["survey"] == {"survey_id": survey["id"], "score": 6,
                                     "comment": "Delivery was late."}
    assert "detractor" in bert_answer["data"]["flags"]  # flagged for service staff

    # Cees (Dutch) taps a score on his link, then adds a comment on the thank-you page
    _, cees_text = await outbound_text(hub, ids["Cees"])
    path = LINK.search(cees_text).group(1)  # type: ignore[union-attr]
    page = await hub.api.client.get(path)
    html = await page.text()
    assert page.status == 200 and "Hoe waarschijnlijk" in html
    assert html.count('name="score"') == 11
    assert "script" not in page.headers["Content-Security-Policy"].replace("'none'", "")
    tapped = await hub.api.client.post(path, data={"score": "10"})
    assert tapped.status == 200 and "Thank you for your answer!" in await tapped.text()
    commented = await hub.api.client.post(path, data={"score": "10", "comment": "Top!"})
    assert commented.status == 200
    again = await hub.api.client.post(path, data={"score": "10", "comment": "Top!"})
    assert again.status == 200  # the same answer posted twice: still one answer
    garbage = await hub.api.client.post(path, data={"score": "eleven"})
    assert garbage.status == 400
    cees_answers = [e for e in await hub.timeline(ids["Cees"]) if e["channel"] == "survey"]
    assert len(cees_answers) == 2  # the tap, then the tap with its comment (replacing it)

    # staff record a score during a call with Bert (once per call)
    status, call = await hub.api.call("POST", "/api/v1/calls", role="service", json={
        "person_id": ids["Bert"], "direction": "inbound", "duration_s": 120,
        "agent": "Kees", "outcome": "resolved"})
    assert status == 201, call
    for _ in range(2):
        status, scored = await hub.api.call(
            "POST", f"/api/v1/surveys/{survey['id']}/responses", role="service",
            json={"person_id": ids["Bert"], "score": 8, "call_id": call["id"]})
        assert status == 201, scored
    status, bad = await hub.api.call("POST", f"/api/v1/surveys/{survey['id']}/responses",
                                     role="service", json={"person_id": ids["Bert"],
                                                           "score": 11})
    assert status == 422, bad

    got = await results(hub, survey["id"])
    # Anna 9 (promoter), Bert 6 (detractor) by mail and 8 (passive) by phone, Cees 10
    assert got["responses"] == 4
    assert got["nps"] == 25.0  # (2 promoters - 1 detractor) / 4 answers
    assert got["distribution"]["9"] == 1 and got["distribution"]["6"] == 1
    assert got["distribution"]["10"] == 1 and got["distribution"]["8"] == 1
    assert set(got["by_channel"]) == {"sms", "email", "link", "call"}
    assert got["by_channel"]["sms"] == {"responses": 1, "nps": 100.0, "csat": None}
    assert [c["comment"] for c in got["comments"]] == ["Top!", "Delivery was late.",
                                                        "great service"]
    status, segment = await hub.api.call("POST", "/api/v1/segments", role=M, json={
        "name": "VIP", "filter": {"field": "tags", "op": "contains", "value": "vip"}})
    assert status == 201
    vip = await results(hub, survey["id"], segment_id=segment["id"])
    assert vip["responses"] == 2 and vip["nps"] == 100.0
    sms_only = await results(hub, survey["id"], channel="sms")
    assert sms_only["responses"] == 1
    _, shown = await hub.api.call("GET", f"/api/v1/campaigns/{campaign['id']}", role=M)
    assert shown["stats"]["responses"] == 3  # the call score is not the campaign's


async def test_unknown_and_expired_links_get_a_clear_page(hub: Hub) -> None:
    for path in ("/s/" + "x" * 43, "/s/short"):
        page = await hub.api.client.get(path)
        assert page.status == 404 and "niet geldig" in await page.text()
        posted = await hub.api.client.post(path, data={"score": "9"})
        assert posted.status == 404
    survey = await make_survey(hub, "csat")
    person = await hub.person()
    kit_token = await hub.store.survey_tokens.issue(_token(survey["id"], person["id"]))
    page = await hub.api.client.get(f"/s/{kit_token.token}")
    assert page.status == 404  # expired


def _token(survey_id: str, person_id: str) -> Any:
    from datetime import timedelta

    from hub.domain.common import utcnow
    from hub.domain.surveys import SurveyToken

    return SurveyToken(token="e" * 43, survey_id=survey_id, person_id=person_id,
                       send_key="manual:1", expires_at=utcnow() - timedelta(seconds=1))


async def test_deeply_nested_json_answer_is_400(hub: Hub) -> None:
    from datetime import timedelta

    from hub.domain.common import utcnow

    survey = await make_survey(hub)
    person = await hub.person()
    token = _token(survey["id"], person["id"]).model_copy(
        update={"expires_at": utcnow() + timedelta(days=1)})
    await hub.store.survey_tokens.issue(token)
    posted = await hub.api.client.post(f"/s/{token.token}", data=b"[" * 8000 + b"]" * 8000,
                                       headers={"Content-Type": "application/json"})
    assert posted.status == 400, await posted.text()
    assert (await results(hub, survey["id"]))["responses"] == 0

"""Event-triggered surveys (issue 7): after a resolved call, the CSAT survey goes out on the
person's preferred channel; once per rule and source event, at most once per 30 days per
person, never to someone who opted out; rules are stored, listed and switchable."""

from __future__ import annotations

from typing import Any

from hub.domain.common import utcnow
from hub.web.keys import SURVEYS
from tests.web.webhooks.conftest import Hub

M = "marketing"
PHONE = "+31612345678"


async def setup(hub: Hub, **rule: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    status, survey = await hub.api.call("POST", "/api/v1/surveys", role=M, json={
        "name": "Service CSAT", "kind": "csat", "question": "How satisfied are you with our help?"})
    assert status == 201
    status, trigger = await hub.api.call("POST", "/api/v1/survey-triggers", role=M, json={
        "name": "After a resolved call", "survey_id": survey["id"], "event_channel": "call",
        "outcome": "resolved", "delay_minutes": 0, "cap_days": 30,
        "channels": ["preferred", "email", "sms"], **rule})
    assert status == 201, trigger
    return survey, trigger


async def log_call(hub: Hub, person_id: str, outcome: str = "resolved",
                   external_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"person_id": person_id, "direction": "inbound", "duration_s": 60,
                            "agent": "Kees", "outcome": outcome}
    if external_id:
        body["external_id"] = external_id
    status, call = await hub.api.call("POST", "/api/v1/calls", role="service", json=body)
    assert status in (200, 201), call
    return call


async def run_due(hub: Hub) -> int:
    return await hub.api.client.app[SURVEYS].triggers.run_due()


async def test_fires_once_per_call_caps_and_takes_the_answer(hub: Hub) -> None:
    survey, _ = await setup(hub)
    person = await hub.person(PHONE, preferred_channel="sms")
    call = await log_call(hub, person["id"], external_id="CALL-1")
    await log_call(hub, person["id"], external_id="CALL-1")  # the same call, logged again
    assert await run_due(hub) == 1
    assert await run_due(hub) == 0
    assert len(hub.twilio.messages) == 1
    sent = hub.twilio.messages[0]
    assert sent.to == PHONE and "/s/" in sent.body and "1 to 5" in sent.body

    # the customer answers by SMS: a CSAT response tied to the trigger
    await hub.signer.inbound_sms(PHONE, "4, quick and friendly")
    answer = (await hub.timeline(person["id"]))[0]
    assert answer["channel"] == "survey" and answer["survey"]["score"] == 4
    status, results = await hub.api.call("GET", f"/api/v1/surveys/{survey['id']}/results",
                                         role=M)
    assert status == 200 and results["responses"] == 1 and results["csat"] == 100.0

    # a second resolved call the same month: capped, nothing sent
    await log_call(hub, person["id"], external_id="CALL-2")
    assert await run_due(hub) == 0
    assert await hub.store.trigger_firings.due(utcnow(), limit=10) == []
    assert len(hub.twilio.messages) == 1
    assert call["call"]["outcome"] == "resolved"


async def test_skips_opted_out_and_respects_the_switch(hub: Hub) -> None:
    _, trigger = await setup(hub)
    out = await hub.person(PHONE, preferred_channel="sms", consent={"sms": "opted_out"})
    await log_call(hub, out["id"])
    assert await run_due(hub) == 1
    assert hub.twilio.messages == []  # opted out: skipped

    other = await hub.person("+31687654321", preferred_channel="sms")
    await log_call(hub, other["id"], outcome="callback needed")  # another outcome
    assert await run_due(hub) == 0

    status, switched = await hub.api.call(
        "POST", f"/api/v1/survey-triggers/{trigger['id']}/switch", role=M,
        json={"enabled": False})
    assert status == 200 and switched["enabled"] is False
    await log_call(hub, other["id"])
    assert await run_due(hub) == 0 and hub.twilio.messages == []
    status, listed = await hub.api.call("GET", "/api/v1/survey-triggers", role=M)
    assert status == 200 and [t["enabled"] for t in listed["items"]] == [False]
    status, bad = await hub.api.call("POST", "/api/v1/survey-triggers", role=M, json={
        "name": "x", "survey_id": "nope"})
    assert status == 404, bad


async def test_quiet_hours_move_a_triggered_survey_to_the_morning(hub: Hub) -> None:
    from datetime import time

    from hub.domain.sending import MarketingRules
    from hub.web.keys import SERVICES

    await setup(hub)
    person = await hub.person(PHONE, preferred_channel="sms")
    hub.api.client.app[SERVICES].outbound.rules = MarketingRules(
        quiet_hours=(time(0), time(23, 59)), cap=None)
    await log_call(hub, person["id"], external_id="CALL-NIGHT")
    assert await run_due(hub) == 1  # handled: deferred, not sent and not dropped
    assert hub.twilio.messages == []
    [firing] = await hub.api.store.trigger_firings.due(utcnow().replace(year=2100), limit=5)
    assert firing.status == "pending" and firing.due_at > utcnow()
    assert await run_due(hub) == 0  # not due again before the quiet hours end

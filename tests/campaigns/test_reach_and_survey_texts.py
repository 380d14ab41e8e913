"""The reach forecast and survey campaigns, as the API gives them (the staff UI calls the same
campaign service): who each channel would reach and who is skipped and why; a survey campaign
created without templates gets the default texts with the personal link, one whose template
lacks the link is refused."""

from __future__ import annotations

from typing import Any

from campaigns.reach import forecast_reach
from tests.campaigns.test_campaign_api import make_people
from tests.web.conftest import Api

M = "marketing"
DUTCH = {"field": "language", "op": "eq", "value": "nl"}


async def test_reach_forecast_per_channel_with_skip_reasons(api: Api) -> None:
    await make_people(api)  # Anna, Bea, Cees, Door (email opted out) and Eef (no address)
    status, reach = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "filter": {}, "channels": ["email", "sms"]})
    assert status == 200, reach
    assert reach["audience"] == 5 and reach["examined"] == 5 and not reach["capped"]
    # Anna and Bea by email; Cees opted out of email, so SMS; Door opted out, Eef has nothing
    assert reach["by_channel"] == {"email": 2, "sms": 1}
    assert reach["skipped"] == 2
    reasons = reach["skipped_by_reason"]
    assert sum(reasons.values()) == 2 and any("opted out of email" in r for r in reasons)
    assert any("no email address" in r for r in reasons)

    _, sms_only = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "filter": {}, "channels": ["preferred"], "template_channels": ["sms"]})
    assert sms_only["by_channel"] == {"sms": 1}  # Bea: the only one preferring SMS

    strict = await forecast_reach(api.store, filter_={}, channels=["email", "sms"],
                                  require_opt_in=True, cap=2)
    assert strict.audience == 5 and strict.examined == 2 and strict.capped


async def test_reach_needs_a_segment_or_a_filter(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "channels": ["email"]})
    assert status == 422 and body["error"]["code"] == "invalid_input"
    status, body = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "segment_id": "nope"})
    assert status == 422 and "no segment nope" in body["error"]["message"]
    assert (await api.call("POST", "/api/v1/campaigns/reach", role="service",
                           json={"filter": {}}))[0] == 403


async def _survey(api: Api) -> dict[str, Any]:
    status, survey = await api.call("POST", "/api/v1/surveys", role=M, json={
        "name": "Spring NPS", "kind": "nps", "question": "Would you recommend us?"})
    assert status == 201, survey
    return survey  # type: ignore[no-any-return]


async def test_api_survey_campaign_without_templates_gets_the_default_texts(api: Api) -> None:
    survey = await _survey(api)
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "NPS", "kind": "survey", "survey_id": survey["id"], "filter": DUTCH})
    assert status == 201, campaign
    assert set(campaign["templates"]) == {"email", "sms", "whatsapp"}
    for template_id in campaign["templates"].values():
        _, template = await api.call("GET", f"/api/v1/templates/{template_id}", role=M)
        assert "{{ survey_url }}" in template["body"]
        assert "Would you recommend us?" in (template["subject"] or template["body"])


async def test_api_survey_campaign_checks_the_link_and_the_survey(api: Api) -> None:
    survey = await _survey(api)
    _, plain = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "No link", "channel": "email", "subject": "Hi", "body": "Hello"})
    status, body = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "NPS", "kind": "survey", "survey_id": survey["id"], "filter": DUTCH,
        "templates": {"email": plain["id"]}})
    assert status == 422 and "no {{ survey_url }}" in body["error"]["message"]
    status, body = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "NPS", "kind": "survey", "filter": DUTCH})
    assert status == 422 and "choose the survey" in body["error"]["message"]
    status, body = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "NPS", "kind": "survey", "survey_id": survey["id"], "segment_id": "nope"})
    assert status == 422 and "no segment" in body["error"]["message"]
    # refused before any default text was saved
    assert [t.id for t in await api.store.templates.find(limit=10)] == [plain["id"]]

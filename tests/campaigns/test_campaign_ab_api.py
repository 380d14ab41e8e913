"""The campaign A/B test through the API: defined under the campaign, its results at
`GET /api/v1/campaigns/{id}/ab` (the journey step's `…/ab` shape), bad definitions a 422
naming the field, and a campaign without a test a 404."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Api

M = "marketing"
EVERYONE: dict[str, Any] = {"field": "name", "op": "exists", "value": True}


async def template(api: Api, channel: str, body: str, subject: str | None = None) -> str:
    fields: dict[str, Any] = {"name": body, "channel": channel, "body": body}
    if subject:
        fields["subject"] = subject
    status, made = await api.call("POST", "/api/v1/templates", role=M, json=fields)
    assert status == 201, made
    return str(made["id"])


async def test_a_campaign_ab_test_is_defined_and_read(api: Api) -> None:
    mail = await template(api, "email", "Hello {{ person.first_name }}", "News")
    mail_b = await template(api, "email", "Hi {{ person.first_name }}, 20% off", "Sale")
    ab = {"test_share": 30, "metric": "conversion", "window_days": 3,
          "conversion": {"kind": "transaction_recorded"}, "decide_after_hours": 48,
          "variants": [{"key": "A"}, {"key": "B", "templates": {"email": mail_b},
                                      "sender_name": "Anna"},
                       {"key": "C", "subject": "Last chance"}]}
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "filter": EVERYONE, "channels": ["email"],
        "templates": {"email": mail}, "ab": ab})
    assert status == 201, campaign
    assert [v["key"] for v in campaign["ab"]["variants"]] == ["A", "B", "C"]
    status, results = await api.call("GET", f"/api/v1/campaigns/{campaign['id']}/ab", role=M)
    assert status == 200, results
    assert results["metric"] == "conversion" and results["decided"] is False
    assert results["winner"] is None and results["leading"] is None
    assert [(v["key"], v["sent"]) for v in results["variants"]] == [("A", 0), ("B", 0),
                                                                   ("C", 0)]
    assert results["variants"][1]["sender_name"] == "Anna"
    status, _ = await api.call("GET", f"/api/v1/campaigns/{campaign['id']}/ab",
                               role="service")
    assert status == 403


async def test_bad_ab_definitions_are_refused_with_the_field(api: Api) -> None:
    mail = await template(api, "email", "Hello", "News")
    sms = await template(api, "sms", "Hi")
    base = {"name": "X", "filter": EVERYONE, "channels": ["email"], "templates": {"email": mail}}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"variants": [{"key": "A"}]}, "ab.variants"),
        ({"variants": [{"key": "A"}, {"key": "A"}]}, "ab"),
        ({"variants": [{"key": "A"}, {"key": "B"}], "metric": "conversion"}, "ab"),
        ({"variants": [{"key": "A"}, {"key": "B"}], "test_share": 0}, "ab.test_share"),
        ({"variants": [{"key": "A"}, {"key": "B"}], "metric": "clicks"}, "ab.metric"),
        ({"variants": [{"key": "A"}, {"key": "B", "templates": {"sms": sms}}]},
         "ab.variants.B.templates.sms"),
        ({"variants": [{"key": "A"}, {"key": "B", "templates": {"email": sms}}]},
         "ab.variants.B.templates.email"),
    ]
    for ab, field in cases:
        status, body = await api.call("POST", "/api/v1/campaigns", role=M,
                                      json={**base, "ab": ab})
        assert status == 422, (ab, body)
        assert field in str(body["error"]), (field, body)
    status, plain = await api.call("POST", "/api/v1/campaigns", role=M, json=base)
    assert status == 201
    status, body = await api.call("GET", f"/api/v1/campaigns/{plain['id']}/ab", role=M)
    assert status == 404 and "A/B" in body["error"]["message"]

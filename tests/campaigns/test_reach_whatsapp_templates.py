"""The reach forecast counts a WhatsApp number outside its 24-hour window as reachable when
the campaign's WhatsApp template carries an approved content template, as the dispatch sends
it; with a free-text template the same number is skipped with the window as the reason."""

from __future__ import annotations

from typing import Any

from campaigns.engine.lifecycle import CampaignService
from tests.web.conftest import Api

M = "marketing"
WHATSAPP = "+31612345009"


async def _template(api: Api, **fields: Any) -> str:
    status, body = await api.call("POST", "/api/v1/templates", role=M, json={
        "channel": "whatsapp", "body": "Hoi {{ person.first_name }}!", **fields})
    assert status == 201, body
    return str(body["id"])


async def test_an_approved_whatsapp_template_reaches_outside_the_window(api: Api) -> None:
    status, _ = await api.call("POST", "/api/v1/persons", json={
        "name": "Wim", "phones": [WHATSAPP], "language": "nl",
        "consent": {"whatsapp": "opted_in"}})  # opted in, never wrote to us
    assert status == 201
    approved = await _template(api, name="Order ready",
                               content_sids={"nl": "HX" + "ab" * 16})
    free = await _template(api, name="Free text")

    async def reach(template_id: str) -> dict[str, Any]:
        status, body = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
            "filter": {}, "channels": ["whatsapp"], "template_channels": ["whatsapp"],
            "templates": {"whatsapp": template_id}})
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    with_approved = await reach(approved)
    assert with_approved["by_channel"] == {"whatsapp": 1} and with_approved["skipped"] == 0
    with_free = await reach(free)
    assert with_free["by_channel"] == {} and with_free["skipped"] == 1
    assert any("window" in reason for reason in with_free["skipped_by_reason"])

    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Pickup", "channels": ["whatsapp"],
        "filter": {"field": "consent.whatsapp", "op": "eq", "value": "opted_in"},
        "templates": {"whatsapp": approved}})
    assert status == 201, campaign
    stored = await CampaignService(api.store).get(campaign["id"])
    review = await CampaignService(api.store).reach_of(stored)  # the review page's figures
    assert review.by_channel == {"whatsapp": 1}

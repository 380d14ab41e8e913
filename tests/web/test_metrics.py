"""`/metrics` for Prometheus: admins only; what an operator watches moves when work happens."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.domain.campaigns import Campaign
from hub.domain.common import new_id
from tests.contracts.test_deliveries import queued
from tests.web.conftest import Api


async def scrape(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await api.client.get(
        "/metrics", headers={"Authorization": f"Bearer {api.tokens['admin']}"})
    assert response.status == 200
    assert response.content_type == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_only_an_admin_may_scrape(api: Api) -> None:
    assert (await api.client.get("/metrics")).status == 401
    for role in ("service", "marketing"):
        status, _ = await api.call("GET", "/metrics", role=role)
        assert status == 403


async def test_sends_requests_and_the_send_queue_are_counted(api: Api) -> None:
    sent = ("hub_sends_total", (("channel", "email"), ("outcome", "sent")))
    api_requests = ("hub_http_request_seconds_count", (("area", "api"), ("status", "2xx")))
    before = await scrape(api)
    _, anna = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna", "emails": ["anna@example.com"]})
    status, _ = await api.call("POST", f"/api/v1/persons/{anna['id']}/messages",
                               json={"subject": "Hallo", "text": "Hallo Anna"})
    assert status == 202
    campaign = Campaign(id=new_id(), name="Voorjaar", channels=["email"], status="running")
    await api.store.campaigns.insert(campaign)
    await queued(api.store, campaign.id, 3)
    after = await scrape(api)
    assert after[sent] == before.get(sent, 0) + 1
    assert after[api_requests] >= before.get(api_requests, 0) + 2
    assert after[("hub_campaigns", (("status", "running"),))] == 1
    assert after[("hub_deliveries", (("status", "queued"),))] == 3
    assert ("process_resident_memory_bytes", ()) in after


async def test_a_raised_redirect_is_logged_and_counted_with_its_own_status(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """A page that raises its redirect (here: to the login) is a 303 to the operator's
    logs and alerts, never a 500."""
    redirects = ("hub_http_request_seconds_count", (("area", "root"), ("status", "3xx")))
    errors = ("hub_http_request_seconds_count", (("area", "root"), ("status", "5xx")))
    before = await scrape(api)
    with caplog.at_level(logging.INFO, logger="hub.http"):
        response = await api.client.get("/", allow_redirects=False)
    assert response.status == 303
    assert [getattr(record, "status", None) for record in caplog.records
            if getattr(record, "route", None) == "/"] == [303]
    after = await scrape(api)
    assert after[redirects] == before.get(redirects, 0) + 1
    assert after.get(errors, 0) == before.get(errors, 0)

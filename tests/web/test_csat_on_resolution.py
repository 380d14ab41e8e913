"""CSAT on resolution (issue 13), end to end on the default run (the sandbox outbox stands in
for Twilio here; the Chromium test uses the Twilio stand-in): one survey per resolution on
the conversation's channel, none within the fatigue window, none on a resolution by the
clock unless the rule says so; the answer lands on the conversation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings, load_settings
from hub.domain.common import new_id, utcnow
from hub.domain.messages import InboundMessage
from hub.web.keys import SERVICES
from tests.web.conftest import Api


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_QUIET_HOURS": "off",
                          "HUB_QUIET_DAYS": "off", "HUB_SURVEY_FATIGUE_DAYS": "30"},
                         dotenv=None)


def outbox_sms(settings: Settings) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((settings.var_dir / "outbox").glob(
        "*.json"))]


async def sms_in(api: Api, number: str, text: str, **overrides: Any) -> Any:
    event, _ = await api.client.app[SERVICES].inbox.record(InboundMessage(
        channel="sms", from_address=number, external_id=f"SM{new_id()}", text=text,
        **overrides))
    return event


async def csat_rule(api: Api, **fields: Any) -> str:
    status, survey = await api.call("POST", "/api/v1/surveys", json={
        "name": "Service", "kind": "csat", "question": "Hoe tevreden bent u?",
        "language": "nl"})
    assert status == 201, survey
    status, rule = await api.call("POST", "/api/v1/csat-rules", role="service",
                                  json={"survey_id": survey["id"], **fields})
    assert status == 201, rule
    return str(survey["id"])


async def open_conversation(api: Api, number: str) -> dict[str, Any]:
    await sms_in(api, number, "Mijn pakket is kapot")
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    return next(c for c in page["items"] if c["person"]["phones"] == [number])


async def test_one_csat_per_resolution_and_none_within_the_fatigue_window(
        api: Api, settings: Settings) -> None:
    await csat_rule(api, channel="sms")
    first = await open_conversation(api, "+31612345678")
    status, _ = await api.call("PATCH", f"/api/v1/conversations/{first['id']}",
                               role="service", json={"status": "resolved"})
    assert status == 200
    [sent] = outbox_sms(settings)
    assert sent["to"] == "+31612345678" and "/s/" in sent["body"]
    status, _ = await api.call("PATCH", f"/api/v1/conversations/{first['id']}",
                               role="service", json={"status": "resolved"})  # again: no-op
    assert len(outbox_sms(settings)) == 1

    await sms_in(api, "+31612345678", "5")  # the answer, by SMS reply
    _, answered = await api.call("GET", f"/api/v1/conversations/{first['id']}",
                                 role="service")
    assert answered["csat_score"] == 5 and answered["status"] == "resolved"
    _, page = await api.call("GET", "/api/v1/conversations?status=all", role="service")
    assert page["total"] == 1  # the answer opened nothing new

    second = await open_conversation(api, "+31612345678")
    assert second["id"] != first["id"]
    await api.call("PATCH", f"/api/v1/conversations/{second['id']}", role="service",
                   json={"status": "resolved"})
    assert len(outbox_sms(settings)) == 1  # within HUB_SURVEY_FATIGUE_DAYS: none


async def test_no_csat_on_a_resolution_by_the_clock_unless_the_rule_says_so(
        api: Api, settings: Settings) -> None:
    await csat_rule(api)
    idle = await open_conversation(api, "+31612340001")
    later = utcnow() + timedelta(days=8)
    await sms_in(api, "+31612340001", "Nog een vraag", occurred_at=later)
    held = await api.store.conversations.get(idle["id"])
    assert held is not None and held.status == "resolved" and held.auto_resolved
    assert outbox_sms(settings) == []


async def test_a_rule_needs_a_csat_survey_and_known_team(api: Api) -> None:
    status, nps = await api.call("POST", "/api/v1/surveys", json={
        "name": "NPS", "kind": "nps", "question": "Zou u ons aanbevelen?"})
    assert status == 201
    status, error = await api.call("POST", "/api/v1/csat-rules", role="service",
                                   json={"survey_id": nps["id"]})
    assert status == 422 and error["error"]["details"]["field"] == "survey_id"
    status, _ = await api.call("POST", "/api/v1/csat-rules", role="marketing",
                               json={"survey_id": nps["id"]})
    assert status == 403

"""Consent per address (issue 15, item 3): merging a duplicate opted in on one number must not
make the survivor's other number receive marketing SMS. Through the API, the real campaign
worker and the sandbox outbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import Settings
from hub.domain.address_consent import consent_at
from hub.services.outbound import why_not
from tests.campaigns.conftest import campaign_settings, wait_for_status
from tests.web.conftest import Api

M = "marketing"
OPTED_IN = "+31611112222"
NEVER = "+31643056562"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return campaign_settings(tmp_path, HUB_QUIET_HOURS="off", HUB_QUIET_DAYS="off",
                             HUB_MARKETING_CAP="off")


async def merged_person(api: Api) -> str:
    status, keep = await api.call("POST", "/api/v1/persons", json={
        "name": "Kees Jansen", "phones": [NEVER]})
    assert status == 201, keep
    status, dup = await api.call("POST", "/api/v1/persons", json={
        "name": "K. Jansen", "phones": [OPTED_IN], "consent": {"sms": "opted_in"}})
    assert status == 201, dup
    status, merged = await api.call("POST", f"/api/v1/persons/{keep['id']}/merge",
                                    json={"duplicate_id": dup["id"]})
    assert status == 200, merged
    assert merged["phones"] == [NEVER, OPTED_IN]
    return str(keep["id"])


@pytest.mark.parametrize("require_opt_in", [True, False])
async def test_marketing_sms_after_merge_goes_only_to_the_opted_in_number(
        api: Api, settings: Settings, require_opt_in: bool) -> None:
    person_id = await merged_person(api)
    person = await api.store.persons.get(person_id)
    assert person is not None
    assert person.consent_for("sms").status == "opted_in"  # the derived person-level view
    assert consent_at(person, "sms", OPTED_IN).status == "opted_in"
    assert consent_at(person, "sms", NEVER).status == "unknown"
    assert why_not(person, "sms", "marketing", require_opt_in=True,
                   address=NEVER) == "no opt-in for SMS"

    status, template = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "News SMS", "channel": "sms", "body": "Hi {{ person.first_name }}!"})
    assert status == 201, template
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "filter": {"field": "name", "op": "exists", "value": True},
        "channels": ["sms"], "templates": {"sms": template["id"]},
        "require_opt_in": require_opt_in})
    assert status == 201, campaign
    status, _ = await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    assert status == 200
    await wait_for_status(api, campaign["id"], "completed")
    sent = [json.loads(p.read_text()) for p in (settings.var_dir / "outbox").glob("*.json")]
    assert [message["to"] for message in sent] == [OPTED_IN]


async def test_merge_keeps_each_address_its_own_opt_out(api: Api) -> None:
    """The survivor's opted-out number stays opted out although the duplicate's number opted
    in more recently (before: the most recent channel-level decision won for both)."""
    status, keep = await api.call("POST", "/api/v1/persons", json={
        "name": "Kees", "phones": [NEVER], "consent": {"sms": "opted_out"}})
    assert status == 201
    status, dup = await api.call("POST", "/api/v1/persons", json={
        "name": "Kees", "phones": [OPTED_IN], "consent": {"sms": "opted_in"}})
    assert status == 201
    status, _ = await api.call("POST", f"/api/v1/persons/{keep['id']}/merge",
                               json={"duplicate_id": dup["id"]})
    assert status == 200
    person = await api.store.persons.get(keep["id"])
    assert person is not None
    assert consent_at(person, "sms", NEVER).status == "opted_out"
    assert consent_at(person, "sms", OPTED_IN).status == "opted_in"
    assert why_not(person, "sms", "service", address=NEVER) == "opted out of SMS"
    assert why_not(person, "sms", "service", address=OPTED_IN) is None

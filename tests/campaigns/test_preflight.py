"""Preflight at review: every recipient's template rendered before launch; the one person
whose template fails is found with the line; launching then needs a choice (409 without it),
and skipping skips exactly that person; beyond the size limit, one render per shape."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings
from tests.campaigns.conftest import campaign_settings, wait_for_status
from tests.web.conftest import Api

M = "marketing"
BODY = "Beste {{ person.first_name }},\nUw klantnummer is {{ person.attributes.customer_number }}."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return campaign_settings(tmp_path, HUB_MARKETING_CAP="off", HUB_QUIET_HOURS="off",
                             HUB_QUIET_DAYS="off", HUB_PREFLIGHT_FULL_LIMIT="10")


async def draft(api: Api, people: int, *, missing: int) -> str:
    for i in range(people):
        person: dict[str, Any] = {"name": f"Klant {i}", "emails": [f"k{i}@example.org"],
                                  "consent": {"email": "opted_in"}}
        if i != missing:
            person["attributes"] = {"customer_number": f"C{i}"}
        status, _ = await api.call("POST", "/api/v1/persons", json=person)
        assert status == 201
    _, mail = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "Nummer", "channel": "email", "subject": "Uw nummer", "body": BODY})
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Nummers", "filter": {"field": "email", "op": "exists", "value": True},
        "channels": ["email"], "templates": {"email": mail["id"]}})
    assert status == 201, campaign
    return str(campaign["id"])


async def preflight(api: Api, campaign_id: str) -> Any:
    status, started = await api.call("POST", f"/api/v1/campaigns/{campaign_id}/preflight",
                                     role=M)
    assert status == 202 and started["state"] == "running", started
    for _ in range(200):
        status, state = await api.call("GET", f"/api/v1/campaigns/{campaign_id}/preflight",
                                       role=M)
        assert status == 200
        if state["state"] != "running":
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("the preflight did not finish")


async def test_preflight_finds_the_one_person_and_launch_needs_a_choice(api: Api) -> None:
    campaign_id = await draft(api, 6, missing=3)
    state = await preflight(api, campaign_id)
    assert state["state"] == "done" and state["mode"] == "every" and not state["stale"]
    assert state["examined"] == 6 and state["rendered"] == 6 and state["failed"] == 1
    [failure] = state["failures"]
    assert failure["name"] == "Klant 3" and failure["line"] == 2 and failure["part"] == "body"
    assert "customer_number" in failure["message"]

    status, refused = await api.call("POST", f"/api/v1/campaigns/{campaign_id}/launch", role=M)
    assert status == 409 and "fail for 1 person" in refused["error"]["message"]
    status, launched = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/launch?template_failures=skip", role=M)
    assert status == 200, launched
    done = await wait_for_status(api, campaign_id, "completed")
    assert done["stats"]["sent"] == 5 and done["stats"]["skipped"] == 1
    assert done["stats"]["failed"] == 0


async def test_a_fixed_template_makes_the_preflight_stale(api: Api) -> None:
    campaign_id = await draft(api, 3, missing=0)
    state = await preflight(api, campaign_id)
    assert state["failed"] == 1
    _, campaign = await api.call("GET", f"/api/v1/campaigns/{campaign_id}", role=M)
    template_id = campaign["templates"]["email"]
    template = await api.store.templates.get(template_id)
    assert template is not None  # fixed as the template page saves it
    await api.store.templates.replace(template.model_copy(update={
        "body": "Beste {{ person.first_name }}"}))
    _, state = await api.call("GET", f"/api/v1/campaigns/{campaign_id}/preflight", role=M)
    assert state["stale"] is True
    status, _ = await api.call("POST", f"/api/v1/campaigns/{campaign_id}/launch", role=M)
    assert status == 200  # a stale preflight does not hold a launch


async def test_beyond_the_limit_one_render_per_shape(api: Api) -> None:
    campaign_id = await draft(api, 25, missing=7)
    state = await preflight(api, campaign_id)
    assert state["mode"] == "shapes" and state["examined"] == 25
    assert state["rendered"] < 25 and state["failed"] == 1
    assert state["failures"][0]["name"] == "Klant 7"


async def test_language_and_variant_templates_are_rendered_too(api: Api) -> None:
    """What would fail at send time is the English reader's template, and variant B's for
    the reader without a code: the preflight names each person, the template and the line."""
    for name, language, attributes in (("Anna", "nl", {}), ("Brian", "en", {"code": "X1"})):
        status, _ = await api.call("POST", "/api/v1/persons", json={
            "name": name, "emails": [f"{name.lower()}@example.org"], "language": language,
            "attributes": attributes, "consent": {"email": "opted_in"}})
        assert status == 201
    made: dict[str, str] = {}
    for key, body in (("nl", "Hallo {{ person.first_name }}"),
                      ("en", "Hello\n{{ person.attributes.missing.deeper }}"),
                      ("B", "Hoi {{ person.first_name }}\n\n"
                            "Code {{ person.attributes.code.upper() }}")):
        status, template = await api.call("POST", "/api/v1/templates", role=M, json={
            "name": key, "channel": "email", "subject": key, "body": body})
        assert status == 201, template
        made[key] = str(template["id"])
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Talen", "filter": {"field": "email", "op": "exists", "value": True},
        "channels": ["email"], "language": "nl", "templates": {"email": made["nl"]},
        "language_templates": {"en": {"email": made["en"]}},
        "ab": {"variants": [{"key": "A"}, {"key": "B", "templates": {"email": made["B"]}}]}})
    assert status == 201, campaign
    state = await preflight(api, str(campaign["id"]))
    assert (state["rendered"], state["failed"]) == (2, 2)
    found = {f["name"]: (f["variant"], f["language"], f["line"]) for f in state["failures"]}
    assert found == {"Anna": ("B", None, 3), "Brian": (None, "en", 2)}

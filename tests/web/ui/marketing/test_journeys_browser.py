"""The journey pages in headless Chromium: a marketer writes a win-back journey, activates
it, and watches the persons move to the wait step as the worker advances them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from campaigns.journeys.engine import EngineConfig
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.services.persons import PersonInput
from hub.web.keys import COMPONENTS, JOURNEY_ENGINE, SERVICES
from tests.support.live_hub import PASSWORD, Staff, live_hub


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    def quick_journeys(app: web.Application) -> None:
        app[JOURNEY_ENGINE] = EngineConfig(poll_s=0.1)

    async with live_hub(tmp_path, Staff("marketing@example.org", "marketing"),
                        configure=quick_journeys) as (test_server, _):
        yield test_server


async def test_build_activate_and_watch_a_win_back_journey(server: TestServer,
                                                           page: Any) -> None:
    app = server.app
    store = app[SERVICES].store
    ids = {}
    for language in ("nl", "en"):
        template = MessageTemplate(id=new_id(), name=f"terug {language}", channel="email",
                                   subject="We missen u", body="Dag {{ person.first_name }}")
        await store.templates.insert(template)
        ids[language] = template.id
    definition = {
        "trigger": {"kind": "manual"}, "start": "offer",
        "steps": [{"type": "send", "id": "offer", "channel": "email", "templates": ids,
                   "next": "week"},
                  {"type": "wait", "id": "week", "minutes": 7 * 24 * 60, "next": "bought"},
                  {"type": "branch", "id": "bought", "test": "segment",
                   "filter": {"field": "revenue", "op": "gt", "value": 0,
                              "period": {"days": 8}}, "yes": "won", "no": "retention"},
                  {"type": "update", "id": "won", "add_tags": ["won_back"]},
                  {"type": "notify", "id": "retention", "team": "retention"}]}
    base = str(server.make_url("")).rstrip("/")
    await page.goto(base + "/login")
    await page.fill("#email", "marketing@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top")

    await page.goto(base + "/journeys")
    await page.fill("#journey-name", "Terugwinnen")
    await page.fill("#journey-definition", json.dumps(definition, indent=2))
    await page.click("form[action='/journeys'] button[type=submit]")
    await expect(page.locator("h1")).to_contain_text("Terugwinnen")
    await expect(page.locator("#flow")).to_contain_text("Wait 7 days")
    await page.click("button[value=activate]")
    await expect(page.locator("h1 .status")).to_have_text("active")

    journey_id = page.url.split("/journeys/")[1].split("?")[0]
    persons = []
    for name in ("Anna de Vries", "Bram Jansen"):
        person = await app[SERVICES].persons.create(PersonInput(
            name=name, emails=[f"{name.split()[0].lower()}@example.org"], language="nl"))
        persons.append(person.id)
    await app[COMPONENTS].journeys.service.enrol_manual(journey_id, persons)
    for _ in range(50):  # the worker advances them to the wait: the page shows it
        await page.reload()
        if await page.locator("li[data-step=week] .badge").count():
            break
        await page.wait_for_timeout(200)
    await expect(page.locator("li[data-step=week] .badge")).to_have_text("2 here")
    await expect(page.locator("#enrolments")).to_contain_text("Anna de Vries")

"""The staff UI in headless Chromium as a Dutch and a British colleague (Chromium's `locale`
sets Accept-Language): the inbox and a person's timeline in their language, times in
Europe/Amsterdam, call durations as "3 min 5 s", phone numbers in national format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event
from hub.services.persons import PersonInput
from hub.web.keys import SERVICES
from tests.support.live_hub import PASSWORD, Staff, live_hub

WINTER = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[str]:
    async with live_hub(tmp_path, Staff("service@example.org", "service")) as (test_server, _):
        await _anna_with_a_call(test_server)
        yield str(test_server.make_url("")).rstrip("/")


async def _anna_with_a_call(test_server: TestServer) -> None:
    services = test_server.app[SERVICES]
    person = await services.persons.create(PersonInput(
        name="Anna de Vries", emails=["anna@example.org"], phones=["+31612345678"]))
    for event in (
        Event(id=new_id(), person_id=person.id, channel="call", direction="inbound",
              occurred_at=WINTER, text="Explained the invoice",
              call=CallInfo(duration_s=185, wait_s=40, agent="Sam", outcome="explained")),
        Event(id=new_id(), person_id=person.id, channel="email", direction="inbound",
              subject="Invoice", text="My invoice is wrong."),
    ):
        await services.timeline.record(event)



async def _logged_in(browser: Any, base: str, locale: str) -> Any:
    context = await browser.new_context(locale=locale, timezone_id="Europe/Amsterdam")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    await page.goto(base + "/login")
    await page.fill("#email", "service@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#inbox-rows")
    return page


async def test_dutch_colleague(server: str, browser: Any) -> None:
    page = await _logged_in(browser, server, "nl-NL")
    assert await page.get_attribute("html", "lang") == "nl"
    header = await page.locator("main h1").inner_text()
    assert header.startswith("Inbox") and "wachten op antwoord" in header
    assert "geleden" in await page.locator("#inbox-rows").inner_text()  # "… minuten geleden"
    await page.click("#inbox-rows a:has-text('Anna de Vries')")  # her conversation
    await page.click("main a[href^='/people/']")  # her profile and full timeline
    await page.wait_for_selector("#timeline")
    text = await page.locator("body").inner_text()
    assert "Tijdlijn" in text and "Antwoorden via" in text and "Uitloggen" in text
    assert "15-01-2026, 09:30" in text and "3 min 5 s" in text and "40 s" in text
    assert "06 12345678" in text


async def test_british_colleague(server: str, browser: Any) -> None:
    page = await _logged_in(browser, server, "en-GB")
    assert await page.get_attribute("html", "lang") == "en"
    assert "ago" in await page.locator("#inbox-rows").inner_text()
    await page.click("#inbox-rows a:has-text('Anna de Vries')")  # her conversation
    await page.click("main a[href^='/people/']")  # her profile and full timeline
    await page.wait_for_selector("#timeline")
    text = await page.locator("body").inner_text()
    assert "Timeline" in text and "Reply on" in text and "Log out" in text
    assert "15/01/2026, 09:30" in text and "3 min 5 s" in text

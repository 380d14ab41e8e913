"""Marketing pages in headless Chromium: build a nested segment and watch the live count
change (and match the API's count); preview a template as a chosen person, hostile name
inert; launch a small campaign through the wizard into the sandbox outbox and watch the
progress bar reach 100% without a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer, unused_port
from playwright.async_api import expect

from hub.config import Settings, load_settings
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.services.persons import PersonInput
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from hub.web.campaign_keys import CAMPAIGNS
from hub.web.keys import SERVICES
from tests.web.ui.browser import browser_page, require_chromium

PASSWORD = "correct horse battery"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Settings]]:
    require_chromium()
    port = unused_port()
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path),
        "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}, dotenv=None)
    store = await create_store(settings)
    await add_user(store, email="marketing@example.org", role="marketing", password=PASSWORD)
    app = create_app(settings, store=store)
    test_server = TestServer(app, host="127.0.0.1", port=port)
    await test_server.start_server()
    services = app[SERVICES]
    people = [("Anna de Vries", "nl", ["anna@example.org"], []),
              ("Bram Jansen", "nl", ["bram@example.org"], ["+31612345670"]),
              ("Chloé Martin", "fr", ["chloe@example.org"], []),
              (HOSTILE + " Evil", "en", ["evil@example.org"], []),
              ("Dirk Smit", "nl", [], [])]
    for name, language, emails, phones in people:
        await services.persons.create(PersonInput(name=name, language=language, emails=emails,
                                                  phones=phones))
    yield test_server, settings
    await test_server.close()
    await store.close()


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    async for opened in browser_page():
        yield opened


async def login(page: Any, base: str) -> None:
    await page.goto(base + "/login")
    await page.fill("#email", "marketing@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top")


def base_of(server: tuple[TestServer, Settings]) -> str:
    return str(server[0].make_url("")).rstrip("/")


async def test_nested_segment_live_count(server: tuple[TestServer, Settings],
                                         page: Any) -> None:
    base = base_of(server)
    await login(page, base)
    await page.goto(base + "/segments")
    await page.wait_for_selector("#builder .builder-row")
    await expect(page.locator("#live-count")).to_have_text("5")
    first = page.locator("#builder .builder-row").first
    await first.locator(".b-field").select_option("language")
    await first.locator(".b-op").select_option("eq")
    await first.locator(".b-value").fill("nl")
    await expect(page.locator("#live-count")).to_have_text("3")
    # a nested "none of" group: not those without an email address
    await page.click("#builder .b-add-group")
    inner = page.locator("#builder .builder-group .builder-group").first
    await inner.locator(".b-combinator").select_option("none")
    row = inner.locator(".builder-row").first
    await row.locator(".b-field").select_option("email")
    await row.locator(".b-op").select_option("exists")
    await row.locator(".b-value").fill("false")
    await expect(page.locator("#live-count")).to_have_text("2")
    sample = await page.locator("#live-sample").inner_text()
    assert "Anna de Vries" in sample and "Dirk Smit" not in sample
    import json

    filter_ = json.loads(await page.locator("#filter").input_value())
    api = await server[0].app[CAMPAIGNS].segments.preview(filter_)
    assert api["count"] == 2
    await page.fill("#seg-name", "Dutch with email")
    await page.click("#save-form button")
    await page.wait_for_selector("text=Dutch with email")
    row_text = await page.locator("tr", has_text="Dutch with email").inner_text()
    assert "2" in row_text


async def test_template_preview_as_person(server: tuple[TestServer, Settings],
                                          page: Any) -> None:
    base = base_of(server)
    await login(page, base)
    await page.goto(base + "/templates/new?channel=sms")
    await page.fill("#t-name", "Reminder")
    await page.fill("#t-body", "Hi ")
    await page.click("#t-body")
    await page.press("#t-body", "End")
    await page.click("button[data-variable='person.first_name']")
    await expect(page.locator("#sms-count")).to_contain_text("30 characters")
    await page.click("#template-form button[type=submit]")
    await page.wait_for_selector("text=Saved.")
    await page.fill("#p-q", "Evil")
    await page.press("#p-q", "Enter")
    await page.click("#person-results a")
    await page.wait_for_selector("#preview-text")
    text = await page.locator("#preview-text").inner_text()
    assert text.startswith("Hi <img")
    assert await page.locator("#preview img").count() == 0
    assert await page.title() != "pwned"


async def test_wizard_launch_progress_reaches_100(server: tuple[TestServer, Settings],
                                                  page: Any) -> None:
    base = base_of(server)
    kit = server[0].app[CAMPAIGNS]
    await kit.segments.create("Dutch", {"field": "language", "op": "eq", "value": "nl"})
    await kit.templates.create(MessageTemplate(
        id=new_id(), name="Spring news", channel="email", subject="Spring, {{ "
        "person.first_name }}", body="Hello {{ person.first_name }}, spring is here."))
    await login(page, base)
    await page.goto(base + "/campaigns/new")
    await page.select_option("#w-segment", label="Dutch")
    await page.select_option("#w-ch0", "email")
    await page.select_option("#w-ch1", "")
    await page.select_option("#w-ch2", "")
    await page.select_option("#w-email", label="Spring news")
    await page.click("text=Check who it reaches")
    await page.wait_for_selector("#reach")
    assert await page.locator("[data-reach=email]").inner_text() == "2"
    assert await page.locator("[data-reach=skipped]").inner_text() == "1"
    await page.fill("#w-name", "Spring campaign")
    await page.click("text=Create draft")
    await page.wait_for_selector("text=Send a test to me")
    await page.click("text=Send a test to me")
    await page.wait_for_selector("text=Test sent.")
    await page.click("button:has-text('Launch')")
    await expect(page.locator("#c-percent")).to_have_text("100%", timeout=15_000)
    await expect(page.locator("#c-status")).to_have_text("completed")
    assert await page.locator("[data-stat=sent]").inner_text() == "2"
    assert await page.locator("#c-progress").evaluate("p => p.value") == 1
    mails = [p.read_text(errors="replace") for p in
             (server[1].var_dir / "outbox").rglob("*.eml")]
    assert sum("Subject: Spring, Anna" in m for m in mails) == 1
    assert sum("[Test] Spring," in m for m in mails) == 1

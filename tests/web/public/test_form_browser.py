"""The hosted form in headless Chromium: errors shown next to fields, then a real submission."""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub.config import Settings
from hub.ports import Store
from hub.services.forms import FormInput
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import SERVICES
from tests.web.public.conftest import CONTACT_FORM

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _require_browser() -> Any:
    missing = None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing = "playwright is not installed"
    if missing is None and not shutil.which(CHROMIUM):
        missing = f"{CHROMIUM} is not installed"
    if missing:
        if os.environ.get("HUB_REQUIRE_REAL_SERVICES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return async_playwright


@pytest.mark.timeout(90)
async def test_fill_in_the_form_in_chromium(
    settings: Settings, aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Any,
) -> None:
    async_playwright = _require_browser()

    store: Store = await create_store(settings)
    app = create_app(settings, store=store)
    server = await aiohttp_server(app)
    await app[SERVICES].forms.define(FormInput.model_validate(CONTACT_FORM))
    url = str(server.make_url("/f/contact"))
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            blocked: list[str] = []
            page.on("console", lambda m: blocked.append(m.text)
                    if "Content Security Policy" in m.text else None)
            await page.goto(url)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375  # no sideways scrolling on a phone
            assert await page.get_by_role("button", name="Send").evaluate(
                "b => getComputedStyle(b).backgroundColor") == "rgb(0, 112, 60)"
            await page.get_by_label("Email address").fill("not an address")
            await page.get_by_role("button", name="Send").click()
            alert = page.get_by_role("alert")
            assert "Your name" in await alert.inner_text()
            assert await page.get_by_label("Email address").get_attribute("aria-invalid")
            await page.get_by_label("Your name").fill("Chris Browser")
            await page.get_by_label("Email address").fill("chris@example.com")
            await page.get_by_label("Language").select_option("en")
            await page.get_by_label("Yes, Hub may email me").check()
            await page.get_by_role("button", name="Send").click()
            await page.get_by_role("heading", name="Thank you").wait_for()
            assert blocked == []  # the CSP allows our own styles
            await browser.close()
        identity = await store.identities.get("email", "chris@example.com")
        assert identity is not None
        person = await store.persons.get(identity.person_id)
        assert person is not None and person.language == "en"
        assert person.consent_for("email").status == "opted_in"
    finally:
        await store.close()


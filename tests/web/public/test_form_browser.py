"""The hosted form in headless Chromium: errors shown next to fields, then a real submission."""

from __future__ import annotations

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
from tests.support.browser import browser_page, require_chromium
from tests.web.public.conftest import CONTACT_FORM


@pytest.mark.timeout(90)
async def test_fill_in_the_form_in_chromium(
    settings: Settings, aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Any,
) -> None:
    require_chromium()

    store: Store = await create_store(settings)
    app = create_app(settings, store=store)
    server = await aiohttp_server(app)
    await app[SERVICES].forms.define(FormInput.model_validate(CONTACT_FORM))
    url = str(server.make_url("/f/contact"))
    blocked: list[str] = []
    try:
        async for page in browser_page(width=375, height=740):
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
        identity = await store.identities.get("email", "chris@example.com")
        assert identity is not None
        person = await store.persons.get(identity.person_id)
        assert person is not None and person.language == "en"
        assert person.consent_for("email").status == "pending"  # until the owner confirms
    finally:
        await store.close()


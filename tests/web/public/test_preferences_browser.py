"""The preference centre in headless Chromium: untick a topic, switch to English, save; the
page answers in English, the choice is stored, and the proof names the preference centre."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from campaigns.unsubscribe import UnsubscribeTokens
from hub.config import Settings
from hub.domain.common import new_id
from hub.domain.parties import Person
from hub.ports import Store
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import CAMPAIGNS, SERVICES
from tests.support.browser import browser_page, require_chromium


@pytest.mark.timeout(90)
async def test_change_topic_and_language_in_chromium(
    settings: Settings, aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    require_chromium()
    store: Store = await create_store(settings)
    app = create_app(settings, store=store)
    server = await aiohttp_server(app)
    news = await app[CAMPAIGNS].topics.create("Nieuwsbrief", "Eens per maand")
    offers = await app[CAMPAIGNS].topics.create("Aanbiedingen")
    person = Person(id=new_id(), name="Anna de Vries", emails=["anna@example.org"],
                    language="nl")
    await store.persons.insert(person)
    token = UnsubscribeTokens(settings.secret_key).preferences.make(person.id, None)
    blocked: list[str] = []
    try:
        async for page in browser_page(width=375, height=740):
            page.on("console", lambda m: blocked.append(m.text)
                    if "Content Security Policy" in m.text else None)
            await page.goto(str(server.make_url(f"/p/{token}")))
            await page.get_by_role("heading", name="Uw voorkeuren").wait_for()
            assert await page.evaluate("document.documentElement.scrollWidth") <= 375
            assert await page.get_by_label("Nieuwsbrief").is_checked()
            await page.get_by_label("Aanbiedingen").uncheck()
            await page.get_by_label("Taal").select_option("en")
            await page.get_by_role("button", name="Mijn voorkeuren opslaan").click()
            await page.get_by_role("status").filter(
                has_text="Your preferences are saved.").wait_for()
            await page.get_by_role("heading", name="Your preferences").wait_for()
            assert not await page.get_by_label("Aanbiedingen").is_checked()
            assert await page.get_by_label("Nieuwsbrief").is_checked()
            assert await page.get_by_label("Language").input_value() == "en"
            assert blocked == []
        saved = await store.persons.get(person.id)
        assert saved is not None
        assert saved.topic_opt_outs == [offers.id] and news.id not in saved.topic_opt_outs
        assert saved.language == "en"
        proof = await app[SERVICES].person_data.consent_proof(person.id)
        change = next(c for c in proof["changes"] if c["channel"] == "topic")
        assert (change["topic"], change["status"], change["source"]) == (
            "Aanbiedingen", "opted_out", "preference_centre")
        assert change["client"] == "127.0.0.1"
    finally:
        await store.close()

"""The marketing pages in headless Chromium as a Dutch (`nl-NL`) and a British (`en-GB`)
colleague, time zone Europe/Amsterdam, on demo data: the campaign wizard, the segment builder
(its script's words come from the page), a campaign's counters with the language fallbacks,
survey results and the analytics dashboard, with every figure written as the reader writes
it (no "59400.0", no "821,037.41" for a Dutch reader; no "1.234,50" for an English one)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from campaigns.survey_answers import ParsedAnswer
from hub.demo import generate_demo
from hub.domain.campaigns import Campaign, Delivery, MessageTemplate
from hub.domain.common import new_id
from hub.domain.segments import MATCH_ALL
from hub.domain.surveys import Survey, SurveyTexts
from hub.web.keys import CAMPAIGNS, STORE, SURVEYS
from tests.support.live_hub import PASSWORD, Staff, live_hub

# An English-written figure: grouped with commas and a decimal point ("821,037.41"), or a
# float with a point ("59400.0", "31.5"); Dutch groups with points and has a decimal comma.
ENGLISH_FIGURE = re.compile(r"\d,\d{3}(?:\.\d+)?\b|\b\d+\.\d{1,2}\b(?![.\d])")
DUTCH_FIGURE = re.compile(r"\d\.\d{3},\d|€\s\d|\b\d+,\d{1,2}\b(?![,\d])")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    async with live_hub(tmp_path, Staff("mia@example.org", "marketing")) as (test_server, _):
        await generate_demo(test_server.app[STORE], persons=60, seed=3)
        ids = await _seed(test_server.app)
        yield {"base": str(test_server.make_url("")).rstrip("/"), **ids}


async def _seed(app: Any) -> dict[str, str]:
    """A sent campaign (one delivery fell back to the campaign's language) and an NPS survey
    with answers, so the pages have figures with decimals and thousands."""
    kit, store = app[CAMPAIGNS], app[STORE]
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Nieuws", channel="email", subject="Nieuws", body="Hallo"))
    campaign = Campaign(id=new_id(), name="Voorjaar", filter={}, channels=["email"],
                        templates={"email": template.id}, language="nl", status="completed",
                        snapshot_complete=True)
    await store.campaigns.insert(campaign)
    people = await store.persons.find_matching(MATCH_ALL, limit=40)
    await store.deliveries.insert_many([
        Delivery(id=new_id(), campaign_id=campaign.id, person_id=person.id, status="sent",
                 channel="email", language="nl", language_fallback=index == 0)
        for index, person in enumerate(people[:3])])
    surveys = app[SURVEYS].surveys
    survey = await surveys.create(Survey(
        id=new_id(), name="NPS", kind="nps", language="nl",
        question="Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        translations={"en": SurveyTexts(question="How likely are you to recommend us?")}))
    now = datetime.now(UTC)
    for index, person in enumerate(people[:7]):
        await surveys._answer(survey, person.id, ParsedAnswer((index * 3) % 11, None),
                              channel="link", send_key=f"test:{index}", campaign_id=None,
                              external_id=None, answered_at=now - timedelta(days=index * 20))
    return {"campaign": campaign.id, "survey": survey.id}



async def _logged_in(browser: Any, base: str, locale: str) -> Any:
    context = await browser.new_context(locale=locale, timezone_id="Europe/Amsterdam")
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto(base + "/login")
    await page.fill("#email", "mia@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top")
    return page


async def _text(page: Any) -> str:
    return str(await page.locator("main").inner_text())


async def test_dutch_marketer(server: dict[str, str], browser: Any) -> None:
    base = server["base"]
    page = await _logged_in(browser, base, "nl-NL")

    await page.goto(base + "/segments")
    await page.wait_for_selector("#builder .builder-row")
    assert await page.locator("#builder .b-add-row").first.inner_text() == "+ voorwaarde"
    assert await page.locator("#builder .b-field").first.get_attribute("aria-label") == "Veld"
    labels = await page.locator("#builder .b-field option").all_inner_texts()
    assert "klantstatus" in labels and "customer_status" not in labels
    assert "Personen die voldoen aan" in await page.locator("#builder").inner_text()
    first = page.locator("#builder .builder-row").first
    await first.locator(".b-field").select_option("name")
    await first.locator(".b-op").select_option("exists")
    # Playwright's own matcher, not a page-evaluated string (the page's CSP forbids eval)
    await expect(page.locator("#live-count")).not_to_have_text("\u2013", timeout=10_000)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", (await page.locator("#live-count").inner_text()
                                               ).strip())

    await page.goto(base + "/campaigns/new")
    text = await _text(page)
    assert "Nieuwe campagne" in text and "Verzenden op (tijd in Europe/Amsterdam" in text
    assert "Sjablonen in het Engels (optioneel)" in text
    assert await page.locator("#w-language option:checked").inner_text() == "Nederlands"

    await page.goto(f"{base}/campaigns/{server['campaign']}")
    text = (await _text(page)).lower()  # the counters' labels are capitalised by CSS
    assert "terugval op standaardtaal" in text and "voltooid" in text and "e-mail" in text
    fallbacks = page.locator("[data-stat=language_fallbacks]")
    assert await fallbacks.inner_text() == "1"
    assert "completed" not in text and "launch" not in text

    await page.goto(f"{base}/surveys/{server['survey']}")
    await page.wait_for_selector("#trend svg")
    text = await _text(page)
    assert not ENGLISH_FIGURE.findall(text), ENGLISH_FIGURE.findall(text)
    chart = await page.locator("#trend svg").inner_html()
    assert not ENGLISH_FIGURE.findall(re.sub(r'"[^"]*"', "", chart))

    await page.goto(base + "/analytics")
    await page.wait_for_selector("#pyramid svg")
    text = await _text(page)
    assert re.search(r"€\s\d", text) and "Klantenpiramide" in text  # € 1.234,50
    assert not ENGLISH_FIGURE.findall(text), ENGLISH_FIGURE.findall(text)
    assert "59400.0" not in text and " (s)" not in text


async def test_british_marketer(server: dict[str, str], browser: Any) -> None:
    base = server["base"]
    page = await _logged_in(browser, base, "en-GB")

    await page.goto(base + "/segments")
    await page.wait_for_selector("#builder .builder-row")
    assert await page.locator("#builder .b-add-row").first.inner_text() == "+ condition"
    assert "customer status" in await page.locator("#builder .b-field option").all_inner_texts()

    await page.goto(base + "/campaigns/new")
    text = await _text(page)
    assert "New campaign" in text and "Templates in English (optional)" in text

    await page.goto(f"{base}/campaigns/{server['campaign']}")
    text = (await _text(page)).lower()
    assert "language fallbacks" in text and "completed" in text

    await page.goto(base + "/analytics")
    await page.wait_for_selector("#pyramid svg")
    text = await _text(page)
    assert re.search(r"€\d", text) and "Customer pyramid" in text  # €1,234.50
    assert not DUTCH_FIGURE.findall(text), DUTCH_FIGURE.findall(text)

"""The public pages in headless Chromium as a Dutch and as a British visitor (`locale` sets
Accept-Language, `timezone_id` the clock): Dutch words and formats for nl-NL, English for
en-GB, and a person whose own language is English gets English even in a Dutch browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub.config import Settings
from hub.domain.common import new_id
from hub.domain.forms import FormDefinition, FormField
from hub.domain.surveys import Survey, SurveyTexts
from hub.services.persons import PersonInput
from hub.web.keys import CAMPAIGNS, SERVICES, STORE, SURVEYS
from tests.support.live_hub import live_hub

ENGLISH_LEFTOVERS = ("Thank you", "not at all likely", "Reply with")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Settings]]:
    async with live_hub(tmp_path) as served:
        yield served



async def _page(browser: Any, locale: str) -> Any:
    context = await browser.new_context(locale=locale, timezone_id="Europe/Amsterdam")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


async def _links(server: TestServer, language: str | None) -> tuple[str, str]:
    """A survey link and an unsubscribe link for a new person speaking `language`."""
    app = server.app
    person = await app[SERVICES].persons.create(PersonInput(
        name="Anna de Vries", language=language, emails=[f"{new_id()}@example.org"]))
    survey = await app[SURVEYS].surveys.create(Survey(
        id=new_id(), name="NPS", kind="nps", language="nl",
        question="Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        translations={"en": SurveyTexts(question="How likely are you to recommend us?")}))
    survey_url = await app[SURVEYS].surveys.link(survey.id, person.id, send_key="manual:b")
    unsubscribe = app[CAMPAIGNS].unsubscribe.tokens.make(person.id, None)
    return survey_url, f"{server.make_url('/u/')!s}{unsubscribe}"


async def _form(server: TestServer) -> str:
    form = FormDefinition(id=new_id(), slug="contact", title="Contact", fields=[
        FormField(name="email", label="E-mail", type="email", required=True),
        FormField(name="topic", label="Topic", type="select", options=["a", "b"]),
        FormField(name="phone", label="Phone", type="phone")])
    await server.app[STORE].forms.insert(form)
    return str(server.make_url("/f/contact"))


async def _text(page: Any) -> str:
    return str(await page.locator("body").inner_text())


async def test_dutch_browser_gets_dutch_pages(
        server: tuple[TestServer, Settings], browser: Any) -> None:
    survey_url, unsubscribe_url = await _links(server[0], None)
    form_url = await _form(server[0])
    page = await _page(browser, "nl-NL")

    await page.goto(survey_url)
    assert await page.get_attribute("html", "lang") == "nl"
    text = await _text(page)
    assert "Hoe waarschijnlijk" in text and "0 = helemaal niet waarschijnlijk" in text
    await page.click("button[name=score][value='9']")
    await page.wait_for_selector("text=Uw antwoord: 9.")
    text = await _text(page)
    assert "Bedankt!" in text and "Wilt u nog iets toevoegen? (optioneel)" in text
    assert not [word for word in ENGLISH_LEFTOVERS if word in text]
    assert await page.locator("button.primary").inner_text() == "Verstuur"

    await page.goto(unsubscribe_url)
    assert await page.get_attribute("html", "lang") == "nl"
    assert "Wilt u geen marketingmail meer van ons ontvangen, Anna?" in await _text(page)
    await page.click("button:has-text('Afmelden')")
    await page.wait_for_selector("text=U bent afgemeld")

    await page.goto(form_url)
    assert await page.get_attribute("html", "lang") == "nl"
    text = await _text(page)
    assert "(optioneel)" in text and await page.locator("option[value='']").inner_text() == "Kies…"
    await page.fill("#field-email", "not an address")
    await page.fill("#field-phone", "12")
    await page.click("button:has-text('Verstuur')")
    await page.wait_for_selector("text=Verbeter deze punten")
    text = await _text(page)
    assert "Vul een e-mailadres in" in text and "Vul een telefoonnummer in" in text


async def test_british_browser_gets_english_pages(
        server: tuple[TestServer, Settings], browser: Any) -> None:
    survey_url, unsubscribe_url = await _links(server[0], None)
    form_url = await _form(server[0])
    page = await _page(browser, "en-GB")

    await page.goto(survey_url)
    assert await page.get_attribute("html", "lang") == "en"
    text = await _text(page)
    assert "How likely are you to recommend us?" in text and "0 = not at all likely" in text
    await page.click("button[name=score][value='7']")
    await page.wait_for_selector("text=Your answer: 7.")
    assert "Thank you!" in await _text(page)

    await page.goto(unsubscribe_url)
    assert "Do you want to stop receiving marketing email from us, Anna?" in await _text(page)

    await page.goto(form_url)
    assert await page.get_attribute("html", "lang") == "en"
    assert "(optional)" in await _text(page)
    await page.click("button:has-text('Send')")
    await page.wait_for_selector("text=This field is required.")


async def test_english_person_in_a_dutch_browser(
        server: tuple[TestServer, Settings], browser: Any) -> None:
    survey_url, unsubscribe_url = await _links(server[0], "en")
    page = await _page(browser, "nl-NL")
    await page.goto(survey_url)
    assert await page.get_attribute("html", "lang") == "en"
    text = await _text(page)
    assert "How likely are you to recommend us?" in text and "helemaal" not in text
    await page.goto(unsubscribe_url)
    assert await page.get_attribute("html", "lang") == "en"
    assert "Unsubscribe" in await _text(page)

"""Marketing pages in headless Chromium: build a nested segment and watch the live count
change (and match the API's count); preview a template as a chosen person, hostile name
inert; launch a small campaign through the wizard into the sandbox outbox and watch the
progress bar reach 100% without a reload; answer a survey link in a second browser context
and see the NPS move; the dashboard's pyramid and migration figures equal the API's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from hub.config import Settings
from hub.demo import generate_demo
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id, utcnow
from hub.domain.segments import MATCH_ALL
from hub.domain.surveys import Survey
from hub.services.persons import PersonInput
from hub.services.staff import create_token
from hub.web.keys import CAMPAIGNS, SERVICES, STORE, SURVEYS
from tests.support.live_hub import PASSWORD, Staff, live_hub

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Settings]]:
    async with live_hub(tmp_path, Staff("marketing@example.org", "marketing")) as served:
        await _people(served[0])
        yield served


async def _people(test_server: TestServer) -> None:
    services = test_server.app[SERVICES]
    people = [("Anna de Vries", "nl", ["anna@example.org"], []),
              ("Bram Jansen", "nl", ["bram@example.org"], ["+31612345670"]),
              ("Chloé Martin", "fr", ["chloe@example.org"], []),
              (HOSTILE + " Evil", "en", ["evil@example.org"], []),
              ("Dirk Smit", "nl", [], [])]
    for name, language, emails, phones in people:
        await services.persons.create(PersonInput(name=name, language=language, emails=emails,
                                                  phones=phones))


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
    await row.locator(".b-value").select_option("false")
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
    opted_in_only = page.locator("input[name=require_opt_in]")
    await expect(opted_in_only).to_be_checked()  # the default for marketing
    await opted_in_only.uncheck()  # these persons never answered: reach them too
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


async def test_survey_link_answered_in_a_second_context_moves_nps(
        server: tuple[TestServer, Settings], page: Any) -> None:
    base = base_of(server)
    app = server[0].app
    kit = app[SURVEYS]
    survey = await kit.surveys.create(Survey(id=new_id(), name="Spring NPS", kind="nps",
                                             question="Would you recommend us?"))
    people = await app[STORE].persons.find_matching(MATCH_ALL, limit=2)
    await kit.surveys.record_call_score(survey.id, people[0].id, 3, "Too slow",
                                        call_event_id=None, author=None)
    people[1].language = "nl"  # the survey page speaks the person's language
    await app[STORE].persons.replace(people[1])
    link = await kit.surveys.link(survey.id, people[1].id, send_key="manual:browser")
    await login(page, base)
    await page.goto(f"{base}/surveys/{survey.id}")
    await expect(page.locator("#survey-score")).to_have_text("-100.0")
    other = await page.context.browser.new_context()  # the customer: no staff cookie
    answer = await other.new_page()
    await answer.goto(link)
    await answer.click("button[name=score][value='10']")
    await answer.wait_for_selector("text=Uw antwoord: 10")
    await answer.fill("#comment", "Lovely people")
    await answer.click("button:has-text('Verstuur')")
    await answer.wait_for_selector("text=Uw antwoord: 10")
    await other.close()
    await page.reload()
    await expect(page.locator("#survey-score")).to_have_text("0.0")
    await expect(page.locator("#survey-responses")).to_have_text("2")
    comments = page.locator("#comments li")
    assert "Too slow" in await comments.nth(0).inner_text()
    assert "Lovely people" in await comments.nth(1).inner_text()
    await comments.nth(0).locator("a").click()
    await page.wait_for_url(f"**/people/{people[0].id}**")


async def test_dashboard_pyramid_and_migration_equal_the_api(
        server: tuple[TestServer, Settings], page: Any) -> None:
    base = base_of(server)
    store = server[0].app[STORE]
    await generate_demo(store, persons=60, seed=3)
    token = await create_token(store, name="dashboard test", role="marketing")
    end = utcnow().date() + timedelta(days=1)
    mid, start = end - timedelta(days=365), end - timedelta(days=730)
    day = "T00:00:00Z"
    async with ClientSession(headers={"Authorization": f"Bearer {token}"}) as api:
        async with api.get(f"{base}/api/v1/analytics/pyramid",
                           params={"from": f"{mid}{day}", "to": f"{end}{day}"}) as answer:
            pyramid = await answer.json()
        async with api.get(f"{base}/api/v1/analytics/migration", params={
                "from1": f"{start}{day}", "to1": f"{mid}{day}", "from2": f"{mid}{day}",
                "to2": f"{end}{day}"}) as answer:
            migration = await answer.json()
    assert pyramid["customers"] > 0
    await login(page, base)
    await page.goto(f"{base}/analytics?from={mid}&to={end}&m1_from={start}&m1_to={mid}"
                    f"&m2_from={mid}&m2_to={end}")
    await expect(page.locator("#pyramid svg.pyramid")).to_be_visible()
    for tier in pyramid["tiers"]:
        cells = page.locator(f"#pyramid tr[data-tier='{tier['tier']}'] td")
        assert await cells.nth(1).inner_text() == str(tier["customers"])
        # Chromium without a locale asks for English: euros as en-GB writes them
        assert await cells.nth(2).inner_text() == f"€{tier['revenue']:,.2f}"
    assert await page.locator("#top20").inner_text() == \
        f"{round(pyramid['top20_share'] * 100, 1)}%"
    for key in ("acquired", "retained", "lost", "upgraded", "downgraded", "won_back"):
        shown = await page.locator(f"#migration [data-migration={key}]").inner_text()
        assert shown == str(migration[key]), key
    rows = page.locator("#migration table.heat tbody tr")
    names = list(migration["matrix"])
    for i, row in enumerate(names):
        cells = rows.nth(i).locator("td")
        assert [await cells.nth(j).inner_text() for j in range(len(names))] == \
            [str(migration["matrix"][row][col]) for col in names]

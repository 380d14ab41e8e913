"""The staff UI in headless Chromium: log in, search by a differently typed phone number, read
a mixed timeline, reply through the outbox, log a call, see live inbound SMS without a reload,
hostile content inert in the browser, a forbidden page for the wrong role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from hub.config import Settings
from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event, FormInfo
from hub.services.persons import PersonInput
from hub.web.keys import SERVICES
from tests.support.live_hub import PASSWORD, Staff, live_hub

AUTH_TOKEN = "test-auth-token-0123456789"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Settings]]:
    async with live_hub(
            tmp_path, Staff("service@example.org", "service", "Sam Service"),
            Staff("marketing@example.org", "marketing"), settings={
                "HUB_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "HUB_TWILIO_FROM": "+3197000000000", "HUB_TWILIO_API_BASE": "http://127.0.0.1:9",
            }) as served:
        yield served


async def seed(server: TestServer) -> str:
    services = server.app[SERVICES]
    person = await services.persons.create(PersonInput(
        name="Anna de Vries", emails=["anna@example.org"], phones=["+31612345678"],
        preferred_channel="email", customer_status="customer", tags=["vip"]))
    events = [
        Event(id=new_id(), person_id=person.id, channel="email", direction="inbound",
              subject="Question about my invoice", text="Hello, my invoice is wrong.",
              data={"html": "<p>Hello, my invoice is <b>wrong</b>.</p>"
                            '<img src=x onerror="document.title=\'pwned\'">'
                            "<script>document.title='pwned'</script>"
                            "<blockquote>Earlier mail</blockquote>"}),
        Event(id=new_id(), person_id=person.id, channel="call", direction="inbound",
              call=CallInfo(duration_s=185, wait_s=40, agent="Sam", outcome="explained"),
              text="Explained the invoice lines"),
        Event(id=new_id(), person_id=person.id, channel="webform", direction="inbound",
              subject="Contact form", form=FormInfo(form_id="f1", fields={
                  "topic": "billing", "message": "<script>document.title='pwned'</script>"})),
        Event(id=new_id(), person_id=person.id, channel="note", direction="internal",
              text="Prefers mornings", author="service@example.org"),
    ]
    for event in events:
        await services.timeline.record(event)
    return person.id


async def login(page: Any, base: str, email: str) -> None:
    await page.goto(base + "/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")


async def test_service_desk_flow(server: tuple[TestServer, Settings], page: Any,
                                 tmp_path: Path) -> None:
    test_server, _ = server
    base = str(test_server.make_url("")).rstrip("/")
    person_id = await seed(test_server)
    await login(page, base, "service@example.org")
    await page.wait_for_selector("h1:has-text('Inbox')")

    await page.fill("#q", "06-1234 5678")
    await page.press("#q", "Enter")
    await page.click("text=Anna de Vries")
    await page.wait_for_selector("#person-name")
    timeline = page.locator("#events")
    for text in ("Question about my invoice", "explained", "billing", "Prefers mornings"):
        assert await timeline.get_by_text(text).count() >= 1, text
    assert await page.title() != "pwned"
    assert await page.locator(".mail-html img[onerror]").count() == 0
    assert await page.locator(".mail-html script").count() == 0
    await page.screenshot(path=str(tmp_path / "person.png"), full_page=False)  # renders

    await page.check("input[name=channel][value=email]")
    await page.fill("#subject", "About your invoice")
    await page.fill("#reply-text", "We corrected it, sorry!")
    await page.click("form.reply button[type=submit]")
    await page.wait_for_selector("text=Message sent.")
    assert await timeline.get_by_text("We corrected it, sorry!").count() == 1
    await page.goto(base + "/outbox")
    assert await page.get_by_text("About your invoice").count() == 1

    await page.goto(base + f"/people/{person_id}")
    await page.click("summary:has-text('Log a call')")
    await page.fill("#call-dur", "3:10")
    await page.fill("#call-outcome", "called back")
    await page.click("form[action$='/calls'] button")
    await page.wait_for_selector("text=Call logged.")
    assert await page.locator("#events").get_by_text("called back").count() == 1
    assert await page.title() != "pwned"


async def test_inbound_sms_appears_live(server: tuple[TestServer, Settings], page: Any) -> None:
    test_server, _ = server
    base = str(test_server.make_url("")).rstrip("/")
    person_id = await seed(test_server)
    await login(page, base, "service@example.org")
    await page.goto(base + f"/people/{person_id}")
    await page.wait_for_selector("#events li.event")
    await page.wait_for_timeout(300)  # let the stream connect
    params = {"MessageSid": "SM" + "1" * 32, "From": "+31612345678", "To": "+3197000000000",
              "Body": "<b>Is it fixed?</b>", "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
    url = base + "/webhooks/twilio/sms"
    async with aiohttp.ClientSession() as client:
        response = await client.post(url, data=params, headers={
            "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, params)})
        assert response.status == 200, await response.text()
    bubble = page.locator("#events .bubble", has_text="<b>Is it fixed?</b>")
    await bubble.wait_for(timeout=2500)
    assert await page.locator("#events .bubble b").count() == 0


async def test_wrong_role_sees_a_forbidden_page(server: tuple[TestServer, Settings],
                                                page: Any) -> None:
    test_server, _ = server
    base = str(test_server.make_url("")).rstrip("/")
    person_id = await seed(test_server)
    await login(page, base, "marketing@example.org")
    await page.wait_for_selector("h1")
    response = await page.goto(base + f"/people/{person_id}")
    assert response is not None and response.status == 403
    assert await page.get_by_text("cannot open this page").count() == 1

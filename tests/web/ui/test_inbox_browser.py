"""The service inbox in headless Chromium (issue 13): two colleagues in two browser contexts.
Sam assigns a customer's SMS to Kim, whose inbox shows it without a reload; Kim replies and
resolves; the CSAT survey goes out once by SMS (through the real `twilio` SDK to the local
Twilio stand-in); a second resolution within the fatigue window sends none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from hub.domain.common import new_id
from hub.domain.conversations import ConversationQuery, CsatRule
from hub.domain.surveys import Survey
from hub.web.keys import SERVICES, SURVEYS
from tests.channels.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.support.browser import launched_chromium, require_chromium
from tests.support.live_hub import PASSWORD, Staff, live_hub

CUSTOMER = "+31612345678"


class Hub:
    def __init__(self, server: TestServer, twilio: FakeTwilio) -> None:
        self.server = server
        self.twilio = twilio
        self.base = str(server.make_url("")).rstrip("/")

    async def customer_sms(self, body: str) -> None:
        params = {"MessageSid": "SM" + new_id()[:32].ljust(32, "0"), "From": CUSTOMER,
                  "To": FROM_NUMBER, "Body": body, "AccountSid": ACCOUNT_SID, "NumMedia": "0"}
        url = self.base + "/webhooks/twilio/sms"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        async with aiohttp.ClientSession() as client:
            response = await client.post(url, data=params,
                                         headers={"X-Twilio-Signature": signature})
            assert response.status == 200, await response.text()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    require_chromium()
    twilio = FakeTwilio()
    twilio_server = TestServer(twilio.app(), host="127.0.0.1")
    await twilio_server.start_server()
    try:
        async with live_hub(
                tmp_path, Staff("sam@example.org", "service", "Sam"),
                Staff("kim@example.org", "service", "Kim"), settings={
                    "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "HUB_TWILIO_FROM": FROM_NUMBER,
                    "HUB_TWILIO_API_BASE": str(twilio_server.make_url("")).rstrip("/"),
                    "HUB_QUIET_HOURS": "off", "HUB_QUIET_DAYS": "off",
                    "HUB_SURVEY_FATIGUE_DAYS": "30", "HUB_DEFAULT_LANGUAGE": "en",
                }) as (server, _):
            surveys = server.app[SURVEYS]
            survey = await surveys.surveys.create(Survey(
                id=new_id(), name="Service", kind="csat", question="How satisfied are you?"))
            await surveys.csat.create(CsatRule(id=new_id(), survey_id=survey.id, channel="sms"))
            yield Hub(server, twilio)
    finally:
        await twilio_server.close()


async def colleague(browser: Any, hub: Hub, name: str) -> Any:
    context = await browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    await page.goto(hub.base + "/login")
    await page.fill("#email", f"{name}@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#inbox-rows")
    return page


async def test_assign_live_reply_resolve_and_one_csat(hub: Hub) -> None:
    await hub.customer_sms("My parcel arrived broken")
    [conversation] = await hub.server.app[SERVICES].desk.ids_matching(
        ConversationQuery())
    async for browser in launched_chromium():
        sam = await colleague(browser, hub, "sam")
        kim = await colleague(browser, hub, "kim")
        await kim.goto(hub.base + "/?view=mine")
        await kim.wait_for_selector("text=No conversations here.")
        await kim.wait_for_timeout(300)  # let the live stream connect

        await sam.click(f"#conv-{conversation} a.open")
        await sam.wait_for_selector("#conv-status")
        await sam.select_option("#assignee", label="Kim")
        await sam.click("#act-assign")
        await sam.wait_for_selector("#conv-assignee:has-text('Kim')")

        row = kim.locator(f"#conv-{conversation}")
        await row.wait_for(timeout=5000)  # appeared without a reload
        assert await row.locator("strong.me").count() == 1  # "you"
        await row.locator("a.open").click()
        await kim.wait_for_selector("#reply-text")
        assert await kim.locator("input[name=channel][value=sms]").is_checked()
        await kim.fill("#reply-text", "So sorry! A new one is on its way.")
        await kim.click("#send-reply")
        await kim.wait_for_selector("text=Sent.")
        assert [m.body for m in hub.twilio.messages] == ["So sorry! A new one is on its way."]
        await kim.click("#act-resolve")
        await kim.wait_for_selector("#conv-status:has-text('resolved')")
        csat = [m for m in hub.twilio.messages if "/s/" in m.body]
        assert len(csat) == 1 and csat[0].to == CUSTOMER

        await hub.customer_sms("Another question, about the invoice")
        await kim.goto(hub.base + "/")
        await kim.wait_for_selector("tr.conv")
        await kim.keyboard.press("j")
        await kim.keyboard.press("e")  # resolve by keyboard
        await kim.wait_for_selector("text=No conversations here.")
        assert len([m for m in hub.twilio.messages if "/s/" in m.body]) == 1  # fatigue
        assert len(hub.twilio.messages) == 2

"""The segment builder cannot mislead (Chromium): a typo'd field shows the service's error at
that field and the count never falls back to everyone; the JSON view is checked before it
replaces the tree; fields offer their own ops and typed values; a saved segment refuses an
invalid filter."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from hub.config import Settings
from hub.web.keys import CAMPAIGNS
from tests.web.ui.marketing.test_browser import base_of, login, server

__all__ = ["server"]  # fixtures

TYPO = {"all": [{"field": "language", "op": "eq", "value": "nl"},
                {"field": "agee", "op": "gte", "value": 30}]}


async def test_typo_in_a_field_is_shown_at_the_field_never_counted_as_everyone(
        server: tuple[TestServer, Settings], page: Any) -> None:
    base = base_of(server)
    await login(page, base)
    # the no-JS form came back with the typo: the builder keeps the field and marks it
    await page.goto(base + "/segments/preview?mode=json&filter=" + quote(json.dumps(TYPO)))
    rows = page.locator("#builder .builder-row")
    await expect(rows).to_have_count(2)
    typo = rows.nth(1)
    await expect(typo.locator(".b-error")).to_contain_text("unknown field 'agee'")
    await expect(typo.locator(".b-field")).to_have_attribute("aria-invalid", "true")
    await expect(typo.locator(".b-field")).to_have_value("agee")
    await expect(rows.nth(0).locator(".b-error")).to_have_text("")
    await expect(page.locator("#live-count")).to_have_text("\u2013")  # a dash, no number
    assert json.loads(await page.locator("#filter").input_value()) == TYPO
    await expect(page.locator("#save-form button[type=submit]")).to_be_disabled()
    # removing the bad row counts again
    await typo.locator("button.link").click()
    await expect(page.locator("#live-count")).to_have_text("3")
    await expect(page.locator("#save-form button[type=submit]")).to_be_enabled()

    # the JSON view: checked before it replaces the tree, so the tree and count stay
    await page.locator("#json-box").evaluate("box => { box.open = true; }")
    await page.fill("#filter", json.dumps(TYPO))
    await page.locator("#filter").dispatch_event("change")
    await expect(page.locator("#json-error")).to_contain_text("agee")
    await expect(page.locator("#builder .builder-row")).to_have_count(1)
    await expect(page.locator("#live-count")).to_have_text("3")
    await page.fill("#filter", '{"field": "language", "op": "eq", "value": "fr"}')
    await page.locator("#filter").dispatch_event("change")
    await expect(page.locator("#live-count")).to_have_text("1")
    await expect(page.locator("#json-error")).to_have_text("")


async def test_ops_and_values_follow_the_field(server: tuple[TestServer, Settings],
                                               page: Any) -> None:
    base = base_of(server)
    await login(page, base)
    await page.goto(base + "/segments")
    row = page.locator("#builder .builder-row").first
    await row.locator(".b-field").select_option("customer_status")
    ops = await row.locator(".b-op option").evaluate_all("os => os.map(o => o.value)")
    assert ops == ["eq", "ne", "in", "nin", "exists"]
    values = await row.locator("select.b-value option").evaluate_all(
        "os => os.map(o => o.value)")
    assert values == ["", "prospect", "customer", "inactive", "lost"]
    await row.locator(".b-value").select_option("prospect")
    await expect(page.locator("#live-count")).to_have_text("5")
    await row.locator(".b-field").select_option("birth_date")
    assert await row.locator(".b-value").get_attribute("type") == "date"
    await row.locator(".b-field").select_option("age")
    assert await row.locator(".b-value").get_attribute("type") == "number"
    assert "contains" not in await row.locator(".b-op option").evaluate_all(
        "os => os.map(o => o.value)")


async def test_a_saved_segment_refuses_an_invalid_filter(
        server: tuple[TestServer, Settings], page: Any) -> None:
    base = base_of(server)
    await login(page, base)
    await page.goto(base + "/segments")
    token = await page.locator("#save-form input[name=csrf_token]").input_value()
    answer = await page.request.post(base + "/segments", form={
        "csrf_token": token, "mode": "json", "name": "Typo", "filter": json.dumps(TYPO)})
    assert answer.status == 422 and "agee" in await answer.text()
    assert await server[0].app[CAMPAIGNS].segments.find() == []

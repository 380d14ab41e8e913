"""Headless Debian Chromium through Playwright, against the real app on a loopback port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    if CHROMIUM.exists():
        try:
            import playwright  # noqa: F401
        except ImportError:
            pass
        else:
            return
    reason = "Chromium (/usr/bin/chromium) or the playwright package is missing"
    if os.environ.get("HUB_REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(reason + " and HUB_REQUIRE_REAL_SERVICES=1")
    pytest.skip(reason)


async def launched_chromium() -> AsyncIterator[Any]:
    """A fresh headless Chromium (call `require_chromium()` first); closed afterwards."""
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                               args=ARGS)
        yield browser
        await browser.close()


async def browser_page(width: int = 1280, height: int = 900) -> AsyncIterator[Any]:
    """One page in a fresh headless Chromium (call `require_chromium()` first)."""
    async for browser in launched_chromium():
        context = await browser.new_context(viewport={"width": width, "height": height})
        page = await context.new_page()
        page.set_default_timeout(10_000)
        yield page

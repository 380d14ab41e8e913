"""The contact import page in Chromium: a 2,000-row CSV as Dutch Excel writes it (semicolons,
Windows-1252, a byte order mark) uploaded, its Dutch headers mapped on the page and the
mapping saved, a dry run that stores nothing, then the real run, each with its progress bar,
the report on the page and as a CSV download."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from hub.config import Settings
from hub.domain.segments import MATCH_ALL
from hub.web.keys import SERVICES, STORE
from tests.web.ui.marketing.test_browser import base_of, login, server

__all__ = ["server"]  # fixtures
ROWS = 2000
BAD = 10  # rows with an invalid email address
HEADER = ["Naam", "E-mailadres", "Telefoon", "Straat", "Postcode", "Plaats", "Nieuwsbrief"]
MAPPING = {"Naam": "name", "E-mailadres": "email", "Telefoon": "phone", "Straat": "street",
           "Postcode": "postcode", "Plaats": "city", "Nieuwsbrief": "consent_email"}


def dutch_excel_csv(path: Path) -> None:
    text = io.StringIO()
    out = csv.writer(text, delimiter=";", lineterminator="\r\n")
    out.writerow(HEADER)
    for i in range(ROWS):
        email = f"klant{i}@voorbeeld.nl" if i % (ROWS // BAD) else f"klant{i}@@kapot"
        out.writerow([f"Renée Bakker {i}", email, f"06 {10000000 + i}", f"Dorpsstraat {i}",
                      f"{1000 + i % 8999} AB", "Één Dorp", "opted_in" if i % 2 else ""])
    path.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode("cp1252"))


@pytest.mark.timeout(300)  # two runs of 2,000 rows on a shared machine
async def test_import_page_dry_run_then_real_run(server: tuple[TestServer, Settings],
                                                 page: Any, tmp_path: Path) -> None:
    app = server[0].app
    persons_before = await app[STORE].persons.count_matching(MATCH_ALL)
    file = tmp_path / "klanten.csv"
    dutch_excel_csv(file)
    base = base_of(server)
    await login(page, base)
    await page.goto(base + "/imports")
    await page.set_input_files("#i-file", str(file))
    await page.click("#upload-form button[type=submit]")
    await page.wait_for_selector("#mapping")
    labels = await page.locator("#mapping label").all_inner_texts()
    assert labels == HEADER  # the BOM is gone and the semicolons split the columns
    for i, column in enumerate(HEADER):
        await page.select_option(f"#map_{i}", MAPPING[column])
    await page.fill("#i-save", "beurs-2026")
    await page.fill("#i-basis", "toestemming")
    await page.fill("#i-text", "Ja, stuur mij de nieuwsbrief.")
    await page.fill("#i-name", "beurs")

    started = time.monotonic()
    await page.click("#dry-run")
    report = page.locator("#import-report")
    await expect(report).to_be_visible(timeout=60_000)
    await expect(page.locator("#import-progress")).to_have_js_property("value", 1)
    print(f"dry run of {ROWS} rows: {time.monotonic() - started:.1f} s")
    assert "Nothing was stored" in await report.inner_text() or \
        "Er is niets opgeslagen" in await report.inner_text()
    await expect(report.locator("[data-count=created]")).to_have_text(str(ROWS - BAD))
    await expect(report.locator("[data-count=rejected]")).to_have_text(str(BAD))
    assert await app[STORE].persons.count_matching(MATCH_ALL) == persons_before
    first_rejected = await page.locator("#rejected tbody tr").first.inner_text()
    assert "2" in first_rejected and "klant0@@kapot" in first_rejected

    # the page keeps what the dry run ran with; the real run saves the mapping
    assert await page.locator("#map_1").input_value() == "email"
    assert await page.locator("#i-basis").input_value() == "toestemming"
    await page.click("#real-run")
    await expect(page.locator("#import-report")).to_be_visible(timeout=60_000)
    await expect(page.locator("[data-count=created]")).to_have_text(str(ROWS - BAD))
    assert await app[STORE].persons.count_matching(MATCH_ALL) == persons_before + ROWS - BAD
    download = await page.request.get(
        base + await page.locator("#report-csv").get_attribute("href"))
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    assert len(rows) == ROWS and rows[0]["line"] == "2"
    assert sum(r["outcome"] == "rejected" for r in rows) == BAD
    # the saved mapping is offered for the next file
    await page.select_option("#i-mapping", "beurs-2026")
    await page.click("form.inline button[type=submit]")
    assert await page.locator("#map_6").input_value() == "consent_email"
    [found] = (await app[SERVICES].persons.find(email="klant1@voorbeeld.nl")).items
    assert found.name == "Renée Bakker 1"
    assert found.consent_for("email").status == "opted_in"

"""Pages that Python fills with texts (notices, tile labels, channel labels, operators) show
none of the old English words to a Dutch viewer; the same pages in English for an English
browser (the texts are translated, not dropped)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hub.domain.events import CallInfo
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import add_event, make_person

DENY = ("Message sent", "First response", "median", "Send at", "Avg ", "(s)", "is one of",
        "Everybody", "just now", "Web form")
DUTCH = {"Accept-Language": "nl-NL,nl;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _visible(html: str) -> str:
    """The page's text and attribute values, without markup, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _english_words(html: str) -> list[str]:
    text = _visible(html)
    return [word for word in DENY if word in text]


async def _person_with_call(ui: Ui) -> str:
    person_id = await make_person(ui, name="Ingrid Willems", phones=["0643056562"],
                                  consent={"sms": "opted_out"})
    await add_event(ui, person_id, channel="call", direction="inbound",
                    occurred_at=datetime(2026, 7, 1, 10, 5, tzinfo=UTC),
                    call=CallInfo(duration_s=59400, wait_s=45, agent="Piet",
                                  outcome="resolved"))
    return person_id


async def test_inbox_and_person_page_with_a_notice(ui: Ui) -> None:
    person_id = await _person_with_call(ui)
    await ui.login()
    inbox = await (await ui.client.get("/", headers=DUTCH)).text()
    assert not _english_words(inbox)
    page = await (await ui.client.get(f"/people/{person_id}?notice=sent", headers=DUTCH)).text()
    assert "Bericht verstuurd." in page and "afgemeld voor sms" in page
    assert not _english_words(page), _english_words(page)
    english = await (await ui.client.get(f"/people/{person_id}?notice=sent",
                                         headers=ENGLISH)).text()
    assert "Message sent." in english and "opted out of SMS" in english


async def test_analytics_tiles_read_as_durations_and_numbers(ui: Ui) -> None:
    await ui.login("marketing")
    page = await (await ui.client.get("/analytics", headers=DUTCH)).text()
    assert page.count('class="tile"') == 8
    assert "Eerste reactie, mediaan" in page and "Gemiddelde gespreksduur" in page
    assert not _english_words(page), _english_words(page)
    english = await (await ui.client.get("/analytics", headers=ENGLISH)).text()
    assert "First response, median" in english and "(s)" not in _visible(english)


async def test_segment_builder_operators_and_groups(ui: Ui) -> None:
    await ui.login("marketing")
    page = await (await ui.client.get("/segments", headers=DUTCH)).text()
    assert "is een van" in page and "in de laatste … dagen" in page
    assert not _english_words(page), _english_words(page)
    assert "is one of" in await (await ui.client.get("/segments", headers=ENGLISH)).text()


async def test_wizard_names_the_zone_in_dutch(ui: Ui) -> None:
    await ui.login("marketing")
    page = await (await ui.client.get("/campaigns/new", headers=DUTCH)).text()
    assert "Verzenden op (tijd in Europe/Amsterdam" in page
    assert not _english_words(page), _english_words(page)


def test_tile_values_are_formatted_for_the_reader() -> None:
    from hub.web.locale import Viewer
    from hub.web.ui.marketing.insights import _tiles

    kpis = {"messages": {"email": {"inbound": 1200, "outbound": 34}},
            "calls": {"count": 1500, "avg_duration_s": 125.0, "avg_wait_s": None,
                      "avg_per_agent": 12.25},
            "campaigns": {"count": 2, "sent": 3400},
            "first_response_s": {"median": 59400.0}}
    nl = {t["label"]: t["value"] for t in _tiles(kpis, [], Viewer(language="nl"))}
    assert nl == {"Gesprekken": "1.500", "Gemiddelde gespreksduur": "2 min 5 s",
                  "Gemiddelde wachttijd": "-", "Gesprekken per medewerker": "12,2",
                  "Berichten": "1.234", "Eerste reactie, mediaan": "16 u 30 min",
                  "Gestarte campagnes": "2", "Verstuurde campagneberichten": "3.400"}
    en = {t["label"]: t["value"] for t in _tiles(kpis, [], Viewer(language="en"))}
    assert en["First response, median"] == "16 h 30 min" and en["Calls"] == "1,500"


async def test_the_builder_reads_dutch_numbers_and_dates(ui: Ui) -> None:
    """A decimal comma and a day-month-year date are read; what does not parse says which
    form it expects, in the viewer's language."""
    await ui.login("marketing")

    async def preview(field: str, op: str, value: str) -> tuple[int, str]:
        response = await ui.client.get("/segments/preview", headers=DUTCH, params={
            "match": "all", "field_0": field, "op_0": op, "value_0": value})
        return response.status, await response.text()

    assert (await preview("revenue", "gt", "1.234,5"))[0] == 200
    assert (await preview("birth_date", "lt", "31-12-1990"))[0] == 200
    status, page = await preview("revenue", "gt", "twaalf")
    assert status == 422 and "geen getal; schrijf het als 1.234,5" in page
    status, page = await preview("birth_date", "lt", "31-02-1990")
    assert status == 422 and "geen datum; schrijf die als 31-12-2026" in page

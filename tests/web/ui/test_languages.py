"""Staff pages in the staff member's language: their own `language` setting, else their
browser's Accept-Language, else HUB_DEFAULT_LANGUAGE (nl); times in HUB_TIMEZONE
(Europe/Amsterdam) or their own `timezone`; euros, durations and phones as the language
writes them."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.web.keys import STORE
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import add_event, make_person

SUMMER = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)  # 12:05 in Amsterdam (CEST)


async def _set_user(ui: Ui, **fields: object) -> None:
    user = await ui.client.app[STORE].users.get_by_email("service@example.org")
    assert user is not None
    await ui.client.app[STORE].users.replace(user.model_copy(update=fields))


async def _person_page(ui: Ui, accept_language: str | None = None) -> str:
    person_id = await make_person(ui, name="Ingrid Willems", phones=["0643056562"])
    await add_event(ui, person_id, channel="call", direction="inbound", occurred_at=SUMMER,
                    call={"duration_s": 59400, "wait_s": 45, "agent": "Piet",
                          "outcome": "resolved"})
    headers = {"Accept-Language": accept_language} if accept_language else {}
    return await (await ui.client.get(f"/people/{person_id}", headers=headers)).text()


async def test_default_is_dutch_with_amsterdam_times(ui: Ui) -> None:
    await ui.login()
    page = await _person_page(ui)
    assert '<html lang="nl">' in page and ">Tijdlijn<" in page and ">Uitloggen<" in page
    assert "01-07-2026, 12:05" in page and "16 u 30 min" in page and "45 s" in page
    assert "<dd>06 43056562<br>" in page  # national format; the edit form keeps E.164


async def test_browser_language_for_a_user_without_one(ui: Ui) -> None:
    await ui.login()
    page = await _person_page(ui, "en-GB,en;q=0.9")
    assert '<html lang="en">' in page and ">Timeline<" in page and "16 h 30 min" in page
    assert "01/07/2026, 12:05" in page
    inbox = await (await ui.client.get("/", headers={"Accept-Language": "de, *"})).text()
    assert '<html lang="nl">' in inbox  # nothing supported: the default


async def test_user_language_and_zone_win_over_the_browser(ui: Ui) -> None:
    await _set_user(ui, language="en", timezone="UTC")
    await ui.login()
    page = await _person_page(ui, "nl-NL,nl;q=0.9")
    assert '<html lang="en">' in page and ">Log out<" in page
    assert "01/07/2026, 10:05" in page  # the user's own zone


async def test_unknown_user_language_falls_back(ui: Ui) -> None:
    await _set_user(ui, language="tlh", timezone="Mars/Olympus")
    await ui.login()
    page = await _person_page(ui, "en-GB")
    assert '<html lang="en">' in page and "01/07/2026, 12:05" in page


async def test_error_pages_from_python_are_translated(ui: Ui) -> None:
    dutch = await ui.client.post("/logout", headers={"Accept": "text/html"})
    html = await dutch.text()
    assert dutch.status == 401 and "Uw sessie is verlopen. Log opnieuw in." in html
    assert "<title>Er ging iets mis · Hub</title>" in html  # the title from render.py
    english = await ui.client.post("/logout", headers={"Accept": "text/html",
                                                      "Accept-Language": "en"})
    assert "Your session has ended. Log in again." in await english.text()


def test_python_texts_are_never_format_strings() -> None:
    from hub.web.templating import create_environment

    page = create_environment().from_string("{{ translated(text) }}|{{ translated('') }}")
    assert page.render(text="100% <sure>") == "100% &lt;sure&gt;|"
    assert page.render(text="Not found", page_language="nl").startswith("Niet gevonden")


def test_stored_codes_read_as_words() -> None:
    from hub.web.templating import create_environment

    page = create_environment().from_string(
        "{{ 'opted_in'|label }}|{{ 'won_back'|label }}|{{ 'call'|label }}|{{ 'x_y'|label }}|"
        "{{ none|label }}")
    assert page.render(page_language="nl") == "aangemeld|teruggewonnen|gesprek|x_y|"
    assert page.render(page_language="en") == "opted in|won back|call|x_y|"

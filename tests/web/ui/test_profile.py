"""`/profile`: a staff member chooses their own language and time zone; saved through the
staff service, CSRF-checked like every form, and linked from every page's header."""

from __future__ import annotations

from hub.web.keys import STORE
from tests.web.ui.conftest import Ui

DUTCH_BROWSER = {"Accept-Language": "nl-NL,nl;q=0.9"}


async def _user(ui: Ui, role: str = "service"):  # type: ignore[no-untyped-def]
    user = await ui.client.app[STORE].users.get_by_email(f"{role}@example.org")
    assert user is not None
    return user


async def test_a_user_who_picks_english_gets_english_pages_from_a_dutch_browser(ui: Ui) -> None:
    await ui.login()
    inbox = await (await ui.client.get("/", headers=DUTCH_BROWSER)).text()
    assert '<html lang="nl">' in inbox and 'href="/profile"' in inbox  # the header's link
    page = await (await ui.client.get("/profile", headers=DUTCH_BROWSER)).text()
    assert "Uw profiel" in page and 'value="nl"' in page and "Europe/Amsterdam" in page
    status = await ui.post("/profile", {"language": "en", "timezone": "Europe/London"},
                           token_from="/profile")
    assert status == 303
    user = await _user(ui)
    assert (user.language, user.timezone) == ("en", "Europe/London")
    inbox = await (await ui.client.get("/", headers=DUTCH_BROWSER)).text()
    assert '<html lang="en">' in inbox and ">Log out<" in inbox and ">Inbox<" in inbox
    saved = await (await ui.client.get("/profile?notice=saved", headers=DUTCH_BROWSER)).text()
    assert "Your settings are saved." in saved and 'value="Europe/London"' in saved
    # back to "the browser's language" and the default zone: Dutch again
    assert await ui.post("/profile", {"language": "", "timezone": ""},
                         token_from="/profile") == 303
    user = await _user(ui)
    assert (user.language, user.timezone) == (None, None)
    inbox = await (await ui.client.get("/", headers=DUTCH_BROWSER)).text()
    assert '<html lang="nl">' in inbox


async def test_bad_choices_are_refused_in_the_users_language(ui: Ui) -> None:
    await ui.login("marketing")
    token = await ui.csrf("/profile")
    bad_zone = await ui.client.post("/profile", data={
        "language": "en", "timezone": "Mars/Olympus", "csrf_token": token})
    assert bad_zone.status == 422
    assert "Dat is geen tijdzone" in await bad_zone.text()
    bad_language = await ui.client.post("/profile", data={
        "language": "de", "timezone": "", "csrf_token": token})
    assert bad_language.status == 422 and "Kies Nederlands, Engels" in await bad_language.text()
    user = await _user(ui, "marketing")
    assert (user.language, user.timezone) == (None, None)  # nothing half-saved


async def test_the_profile_needs_a_session_and_a_csrf_token(ui: Ui) -> None:
    anonymous = await ui.client.get("/profile", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/login")
    await ui.login("admin")
    forged = await ui.client.post("/profile", data={"language": "en"}, allow_redirects=False)
    assert forged.status == 403
    assert (await _user(ui, "admin")).language is None

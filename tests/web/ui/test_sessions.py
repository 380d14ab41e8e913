"""Server-side staff sessions: logging out ends the session for every copy of the cookie, log
out everywhere, the session list and password change on /profile, an admin's one-time reset
link and ending a user's sessions, and a disabled user's sessions staying ended."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from hub.domain.common import utcnow
from hub.services.staff_sessions import ResetLinkInvalid, SessionService
from hub.web.keys import SERVICES, STORE
from tests.web.ui.conftest import PASSWORD, Ui

NEW_PASSWORD = "a much longer new secret"
RESET_LINK = re.compile(r"http://[^/]+(/reset/[A-Za-z0-9_-]+)")


def cookie(ui: Ui) -> str:
    found = ui.client.session.cookie_jar.filter_cookies(ui.client.make_url("/"))
    return found["hub_session"].value if "hub_session" in found else ""


def use_cookie(ui: Ui, value: str) -> None:
    ui.client.session.cookie_jar.clear()
    if value:
        ui.client.session.cookie_jar.update_cookies({"hub_session": value},
                                                    ui.client.make_url("/"))


async def logged_in(ui: Ui) -> bool:
    return (await ui.client.get("/profile", allow_redirects=False)).status == 200


async def login_as(ui: Ui, role: str, *, agent: str = "TestBrowser/1.0") -> str:
    use_cookie(ui, "")
    token = await ui.csrf("/login")
    response = await ui.client.post("/login", data={
        "email": f"{role}@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"User-Agent": agent}, allow_redirects=False)
    assert response.status == 303, await response.text()
    return cookie(ui)


async def test_a_copied_cookie_stops_working_after_logout(ui: Ui) -> None:
    copied = await login_as(ui, "service")
    assert await logged_in(ui)
    assert await ui.post("/logout", {}, token_from="/profile") == 303
    use_cookie(ui, copied)  # the attacker's copy, taken before the logout
    assert not await logged_in(ui)
    assert (await ui.client.get("/", allow_redirects=False)).status == 303


async def test_log_out_everywhere_ends_the_other_browsers_too(ui: Ui) -> None:
    laptop = await login_as(ui, "service", agent="Laptop Firefox")
    phone = await login_as(ui, "service", agent="Phone Safari")
    page = await (await ui.client.get("/profile")).text()
    assert "Laptop Firefox" in page and "Phone Safari" in page
    assert page.count("data-session=") == 2
    assert await ui.post("/logout/everywhere", {}, token_from="/profile") == 303
    for value in (laptop, phone):
        use_cookie(ui, value)
        assert not await logged_in(ui)


async def test_a_password_change_needs_the_current_one_and_ends_other_sessions(ui: Ui) -> None:
    other = await login_as(ui, "service", agent="Other")
    this = await login_as(ui, "service", agent="This")
    token = await ui.csrf("/profile")
    wrong = await ui.client.post("/profile/password", data={
        "csrf_token": token, "current_password": "not the password",
        "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert wrong.status == 403
    assert "Uw huidige wachtwoord klopt niet" in await wrong.text()
    differ = await ui.client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"})
    assert differ.status == 422
    tokenless = await ui.client.post("/profile/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD}, allow_redirects=False)
    assert tokenless.status == 403
    assert await ui.post("/profile/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD}, token_from="/profile") == 303
    assert cookie(ui) == this and await logged_in(ui)
    use_cookie(ui, other)
    assert not await logged_in(ui)
    use_cookie(ui, "")
    token = await ui.csrf("/login")
    old = await ui.client.post("/login", data={
        "email": "service@example.org", "password": PASSWORD, "csrf_token": token})
    assert old.status == 401
    token = await ui.csrf("/login")
    new = await ui.client.post("/login", data={
        "email": "service@example.org", "password": NEW_PASSWORD, "csrf_token": token},
        allow_redirects=False)
    assert new.status == 303


async def _reset_link(ui: Ui, user_id: str) -> str:
    token = await ui.csrf("/admin")
    page = await ui.client.post(f"/admin/users/{user_id}/reset", data={"csrf_token": token})
    assert page.status == 200
    match = RESET_LINK.search(await page.text())
    assert match, "no reset link shown"
    return match.group(1)


async def test_an_admin_reset_link_works_once_and_ends_every_session(ui: Ui) -> None:
    user = await ui.client.app[STORE].users.get_by_email("service@example.org")
    assert user is not None
    victim_session = await login_as(ui, "service")
    await login_as(ui, "admin")
    first = await _reset_link(ui, user.id)
    link = await _reset_link(ui, user.id)  # a newer link replaces the first
    stored = await ui.client.app[STORE].password_resets.get_by_hash(link.rsplit("/", 1)[1])
    assert stored is None  # only a hash is stored
    use_cookie(ui, "")
    assert (await ui.client.get(first)).status == 404
    form = await ui.client.get(link)
    assert form.status == 200 and "service@example.org" in await form.text()
    tokenless = await ui.client.post(link, data={
        "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert tokenless.status == 403
    token = await ui.csrf(link)
    done = await ui.client.post(link, data={
        "csrf_token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done.status == 200, await done.text()
    token = await ui.csrf("/login")
    again = await ui.client.post(link, data={
        "csrf_token": token, "new_password": "yet another password", "new_password_again":
        "yet another password"})
    assert again.status == 404
    use_cookie(ui, victim_session)
    assert not await logged_in(ui)
    use_cookie(ui, "")
    token = await ui.csrf("/login")
    login = await ui.client.post("/login", data={
        "email": "service@example.org", "password": NEW_PASSWORD, "csrf_token": token},
        allow_redirects=False)
    assert login.status == 303


async def test_a_reset_link_expires_after_a_day(ui: Ui) -> None:
    user = await ui.client.app[STORE].users.get_by_email("service@example.org")
    assert user is not None
    await login_as(ui, "admin")
    token = (await _reset_link(ui, user.id)).rsplit("/", 1)[1]
    store = ui.client.app[STORE]
    tomorrow = SessionService(store, now=lambda: utcnow() + timedelta(hours=24, seconds=1))
    assert await tomorrow.reset_user(token) is None
    with pytest.raises(ResetLinkInvalid):
        await tomorrow.reset_password(token, new=NEW_PASSWORD, repeated=NEW_PASSWORD)
    assert await SessionService(store).reset_user(token) is not None


async def test_admin_ends_a_users_sessions_and_disabling_keeps_them_ended(ui: Ui) -> None:
    user = await ui.client.app[STORE].users.get_by_email("service@example.org")
    assert user is not None
    first = await login_as(ui, "service")
    await login_as(ui, "admin")
    assert await ui.post(f"/admin/users/{user.id}/sessions/end", {}, token_from="/admin") == 303
    admin_cookie = cookie(ui)
    use_cookie(ui, first)
    assert not await logged_in(ui)
    second = await login_as(ui, "service")
    use_cookie(ui, admin_cookie)
    assert await ui.post(f"/admin/users/{user.id}/toggle", {}, token_from="/admin") == 303
    assert await ui.post(f"/admin/users/{user.id}/toggle", {}, token_from="/admin") == 303
    refreshed = await ui.client.app[STORE].users.get(user.id)
    assert refreshed is not None and not refreshed.disabled
    use_cookie(ui, second)  # enabled again, but the session from before stays ended
    assert not await logged_in(ui)


async def test_other_roles_cannot_reset_or_end_sessions(ui: Ui) -> None:
    admin = await ui.client.app[STORE].users.get_by_email("admin@example.org")
    assert admin is not None
    await login_as(ui, "service")
    assert await ui.post(f"/admin/users/{admin.id}/reset", {}, token_from="/profile") == 403
    assert await ui.post(f"/admin/users/{admin.id}/sessions/end", {},
                         token_from="/profile") == 403


async def test_a_live_stream_stops_when_its_session_ends(ui: Ui) -> None:
    await login_as(ui, "service")
    async with ui.client.get("/live/inbox", headers={"Accept": "text/event-stream"}) as stream:
        assert stream.status == 200
        assert await stream.content.readline() == b"retry: 2000\n"
        user = await ui.client.app[STORE].users.get_by_email("service@example.org")
        assert user is not None
        await ui.client.app[SERVICES].sessions.end_all(user.id)
        await asyncio.wait_for(stream.content.read(), timeout=10)  # the server closes it
        assert stream.content.at_eof()

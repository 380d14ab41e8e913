"""Login, sessions, CSRF, throttling and roles on the staff pages."""

from __future__ import annotations

from tests.web.ui.conftest import PASSWORD, Ui
from tests.web.ui.helpers import make_person


async def test_pages_redirect_to_login_without_a_session(ui: Ui) -> None:
    response = await ui.client.get("/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


async def test_login_sets_a_safe_cookie_and_opens_the_inbox(ui: Ui) -> None:
    token = await ui.csrf()
    response = await ui.client.post("/login", data={
        "email": "Service@Example.org", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = await ui.client.get("/")
    assert page.status == 200
    assert "Inbox" in await page.text()
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


async def test_wrong_password_and_missing_token_are_refused(ui: Ui) -> None:
    token = await ui.csrf()
    wrong = await ui.client.post("/login", data={
        "email": "service@example.org", "password": "nope nope nope", "csrf_token": token})
    assert wrong.status == 401
    assert "Wrong email or password" in await wrong.text()
    tokenless = await ui.client.post("/login", data={
        "email": "service@example.org", "password": PASSWORD})
    assert tokenless.status == 403
    assert (await ui.client.get("/", allow_redirects=False)).status == 303


async def test_repeated_failures_lock_the_account(ui: Ui) -> None:
    for _ in range(5):
        token = await ui.csrf()
        response = await ui.client.post("/login", data={
            "email": "service@example.org", "password": "wrong password!", "csrf_token": token})
        assert response.status == 401
    token = await ui.csrf()
    locked = await ui.client.post("/login", data={
        "email": "service@example.org", "password": PASSWORD, "csrf_token": token})
    assert locked.status == 429
    assert (await ui.client.get("/", allow_redirects=False)).status == 303


async def test_forged_cookie_is_ignored(ui: Ui) -> None:
    ui.client.session.cookie_jar.update_cookies({"hub_session": "eyJ4Ijox.forged"})
    assert (await ui.client.get("/", allow_redirects=False)).status == 303


async def test_roles_are_checked_on_every_page(ui: Ui) -> None:
    await ui.login("marketing")
    assert (await ui.client.get("/search?q=x")).status == 403
    assert (await ui.client.get("/outbox")).status == 403
    assert (await ui.client.get("/admin")).status == 403
    home = await ui.client.get("/")
    assert home.status == 200
    await ui.post("/logout", {})
    await ui.login("service")
    forbidden = await ui.client.get("/admin")
    assert forbidden.status == 403
    assert "cannot open this page" in await forbidden.text()
    assert forbidden.headers["Content-Type"].startswith("text/html")


async def test_state_changes_need_the_csrf_token(ui: Ui) -> None:
    await ui.login("service")
    person_id = await make_person(ui, name="Anna")
    response = await ui.client.post(f"/people/{person_id}/notes", data={"text": "hi"})
    assert response.status == 403
    assert await ui.store.events.count_for_person(person_id) == 0
    bad = await ui.client.post(f"/people/{person_id}/notes",
                               data={"text": "hi", "csrf_token": "forged"})
    assert bad.status == 403
    ok = await ui.post(f"/people/{person_id}/notes", {"text": "hi"})
    assert ok == 303
    assert await ui.store.events.count_for_person(person_id) == 1


async def test_logout_ends_the_session(ui: Ui) -> None:
    await ui.login("service")
    assert await ui.post("/logout", {}) == 303
    assert (await ui.client.get("/", allow_redirects=False)).status == 303


async def test_admin_adds_and_disables_users(ui: Ui) -> None:
    await ui.login("admin")
    token = await ui.csrf("/admin")
    page = await ui.client.post("/admin/users", data={
        "email": "new@example.org", "name": "New", "role": "service", "csrf_token": token})
    assert page.status == 200
    assert "Eenmalig wachtwoord" in await page.text()
    user = await ui.store.users.get_by_email("new@example.org")
    assert user is not None and user.role == "service"
    assert await ui.post(f"/admin/users/{user.id}/toggle", {}, token_from="/admin") == 303
    disabled = await ui.store.users.get(user.id)
    assert disabled is not None and disabled.disabled


async def test_api_errors_stay_json_and_pages_get_html(ui: Ui) -> None:
    api = await ui.client.get("/api/v1/persons/nope", headers={"Accept": "text/html"})
    assert api.status == 401
    assert api.content_type == "application/json"
    await ui.login("service")
    missing = await ui.client.get("/people/nope", headers={"Accept": "text/html"})
    assert missing.status == 404
    assert missing.content_type == "text/html"
    assert "Content-Security-Policy" in missing.headers

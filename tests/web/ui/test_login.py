"""Login, sessions, CSRF, throttling and roles on the staff pages."""

from __future__ import annotations

import aiohttp

from tests.web.ui.conftest import CSRF, PASSWORD, Ui
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
    assert "Verkeerd e-mailadres of wachtwoord" in await wrong.text()  # Dutch by default
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
    assert "kan deze pagina niet openen" in await forbidden.text()
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


# Each of these, as `next`, must bring the browser back to this site: the usual bypass
# families (protocol-relative, backslash, control characters that URL parsers drop,
# percent-encoded slashes and controls, schemes, leading whitespace).
REDIRECT_BYPASSES = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example",
    "/\x00/evil.example", "\x00//evil.example", "%2f%2fevil.example", "/%2f%2fevil.example",
    "/%2F/evil.example", "/%09/evil.example", "/%5Cevil.example", "/%0d%0a/evil.example",
    "https://evil.example", "HTTPS://evil.example/", "javascript:alert(1)",
    "/javascript:alert(1)//x/..//evil.example\t", " //evil.example", " /\\evil.example",
    "\x0b//evil.example", "/\u3000/evil.example", "/\x7f/evil.example", "/\\/evil.example",
    "https:/evil.example", "/../..//evil.example",
]


async def test_login_next_never_leaves_the_site(ui: Ui) -> None:
    for target in REDIRECT_BYPASSES:
        token = await ui.csrf()
        response = await ui.client.post("/login", data={
            "email": "service@example.org", "password": PASSWORD, "csrf_token": token,
            "next": target}, allow_redirects=False)
        assert response.status == 303, target
        assert response.headers["Location"] == "/", repr(target)
        # Logged in now: the GET form redirects straight to `next`.
        again = await ui.client.get("/login", params={"next": target}, allow_redirects=False)
        assert again.status == 303, target
        assert again.headers["Location"] == "/", repr(target)
        await ui.post("/logout", {})


async def test_login_next_keeps_a_local_path(ui: Ui) -> None:
    token = await ui.csrf()
    response = await ui.client.post("/login", data={
        "email": "service@example.org", "password": PASSWORD, "csrf_token": token,
        "next": "/people/abc?tab=notes&q=a%20b"}, allow_redirects=False)
    assert response.headers["Location"] == "/people/abc?tab=notes&q=a%20b"
    again = await ui.client.get("/login", params={"next": "/search?q=anna"},
                                allow_redirects=False)
    assert again.headers["Location"] == "/search?q=anna"


async def test_failures_from_one_client_do_not_lock_the_account_elsewhere(ui: Ui) -> None:
    """Five wrong passwords for an account from client A (127.0.0.1) lock A out of that
    account; client B (127.0.0.2, a second address on the loopback) still logs in with the
    right password, and A stays locked."""
    for _ in range(5):
        token = await ui.csrf()
        response = await ui.client.post("/login", data={
            "email": "service@example.org", "password": "wrong password!", "csrf_token": token})
        assert response.status == 401
    other = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)),
        cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with other:
        page = await other.get(ui.client.make_url("/login"))
        match = CSRF.search(await page.text())
        assert match
        response = await other.post(ui.client.make_url("/login"), data={
            "email": "service@example.org", "password": PASSWORD,
            "csrf_token": match.group(1)}, allow_redirects=False)
        assert response.status == 303, await response.text()
        assert (await other.get(ui.client.make_url("/"), allow_redirects=False)).status == 200
    token = await ui.csrf()
    still = await ui.client.post("/login", data={
        "email": "service@example.org", "password": PASSWORD, "csrf_token": token})
    assert still.status == 429
    # A's lock is for that account only: another account from A is not refused.
    await ui.login("marketing")

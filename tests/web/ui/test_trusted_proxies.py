"""X-Forwarded-For and X-Forwarded-Proto count only from HUB_TRUSTED_PROXIES: a forged header
from any other peer changes neither the log-in throttle's client key nor the cookie's Secure
flag; behind a trusted proxy each client is throttled on its own address."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.config import Settings, load_settings
from tests.web.ui.conftest import PASSWORD, Ui

WRONG = "wrong password!"


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"),
                          "HUB_TRUSTED_PROXIES": getattr(request, "param", "")}, dotenv=None)


async def attempt(ui: Ui, password: str, headers: dict[str, str]) -> int:
    token = await ui.csrf()
    response = await ui.client.post("/login", data={
        "email": "service@example.org", "password": password, "csrf_token": token},
        headers=headers, allow_redirects=False)
    return response.status


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(ui: Ui) -> None:
    for n in range(5):  # each failure claims another client address
        assert await attempt(ui, WRONG, {"X-Forwarded-For": f"198.51.100.{n}"}) == 401
    assert await attempt(ui, PASSWORD, {"X-Forwarded-For": "203.0.113.9"}) == 429


@pytest.mark.parametrize("settings", ["127.0.0.1/32, 10.0.0.0/8"], indirect=True)
async def test_behind_a_trusted_proxy_each_client_is_throttled_alone(
        ui: Ui, caplog: pytest.LogCaptureFixture) -> None:
    attacker = {"X-Forwarded-For": "198.51.100.7, 10.1.2.3"}  # via two trusted proxies
    for _ in range(5):
        assert await attempt(ui, WRONG, attacker) == 401
    assert await attempt(ui, PASSWORD, attacker) == 429
    # a spoofed left-most entry does not help: the first untrusted hop from the right counts
    assert await attempt(ui, PASSWORD, {"X-Forwarded-For": "203.0.113.1, 198.51.100.7"}) == 429
    with caplog.at_level(logging.INFO, logger="hub.http"):
        assert await attempt(ui, PASSWORD, {"X-Forwarded-For": "203.0.113.9"}) == 303
    clients = [getattr(r, "client", None) for r in caplog.records if r.name == "hub.http"]
    assert "203.0.113.9" in clients


async def test_forwarded_proto_from_an_untrusted_peer_does_not_make_cookies_secure(
        ui: Ui) -> None:
    response = await ui.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("settings", ["127.0.0.1"], indirect=True)
async def test_forwarded_proto_https_from_a_trusted_proxy_makes_cookies_secure(ui: Ui) -> None:
    secure = await ui.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in secure.headers["Set-Cookie"]
    plain = await ui.client.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_a_bad_proxy_range_names_the_variable() -> None:
    with pytest.raises(Exception, match="HUB_TRUSTED_PROXIES"):
        load_settings({"HUB_TRUSTED_PROXIES": "10.0.0.0/33"}, dotenv=None)

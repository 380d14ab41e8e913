"""The `hub` command as an operator uses it: real processes, a real port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from hub.config import load_settings
from hub.services.staff import authenticate_token, password_matches
from hub.store import create_store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
            "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_LOG_LEVEL": "WARNING"}


def hub(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_token_create_prints_a_working_token_last(env: dict[str, str]) -> None:
    result = hub(env, "token", "create", "--role", "service", "--name", "crm-sync")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    store = await create_store(load_settings(env, dotenv=None))
    try:
        found = await authenticate_token(store, token)
        assert found is not None and (found.role, found.name) == ("service", "crm-sync")
    finally:
        await store.close()


async def test_user_add_with_and_without_password(env: dict[str, str]) -> None:
    result = hub(env, "user", "add", "Mia@Example.com", "--role", "marketing",
                 "--password-stdin", stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    generated = hub(env, "user", "add", "sam@example.com", "--role", "service")
    password = generated.stdout.strip().splitlines()[-1]
    store = await create_store(load_settings(env, dotenv=None))
    try:
        mia = await store.users.get_by_email("mia@example.com")
        assert mia is not None and mia.role == "marketing"
        assert password_matches(mia, "correct horse battery")
        assert not password_matches(mia, "wrong horse battery")
        assert mia.password_hash.startswith("$argon2id$")
        sam = await store.users.get_by_email("sam@example.com")
        assert sam is not None and password_matches(sam, password)
    finally:
        await store.close()
    duplicate = hub(env, "user", "add", "mia@example.com", "--role", "admin")
    assert duplicate.returncode == 1 and "exists" in duplicate.stderr
    short = hub(env, "user", "add", "x@example.com", "--role", "admin", "--password-stdin",
                stdin="short\n")
    assert short.returncode == 1 and "12 characters" in short.stderr


def test_bad_configuration_names_the_variable(env: dict[str, str]) -> None:
    result = hub({**env, "HUB_DEFAULT_REGION": "XX"}, "token", "create", "--role", "admin")
    assert result.returncode == 78
    assert "HUB_DEFAULT_REGION" in result.stderr


async def wait_healthy(http: aiohttp.ClientSession, base: str) -> None:
    for _ in range(150):
        try:
            async with http.get(f"{base}/healthz") as response:
                assert await response.json() == {"status": "ok"}
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    pytest.fail(f"{base} did not answer /healthz")


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    hub(env, "demo", "--persons", "40", "--seed", "7")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"], env={**env, "HUB_LISTEN": f"127.0.0.1:{port}"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield f"http://127.0.0.1:{port}", process
    process.terminate()
    process.communicate(timeout=20)  # also closes the pipes


async def test_serve_creates_first_admin_and_answers(
    served: tuple[str, subprocess.Popen[str]], env: dict[str, str]
) -> None:
    base, process = served
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    assert "first admin" in lines[0]
    password = lines[2].strip()
    assert "listening" in lines[3]
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, base)
        token = hub(env, "token", "create", "--role", "admin").stdout.strip().splitlines()[-1]
        async with http.get(f"{base}/api/v1/persons?limit=5",
                            headers={"Authorization": f"Bearer {token}"}) as response:
            page = await response.json()
        assert len(page["items"]) == 5 and page["next_cursor"]
    store = await create_store(load_settings(env, dotenv=None))
    try:
        admin = (await store.users.find())[0]
        assert admin.role == "admin" and password_matches(admin, password)
    finally:
        await store.close()


@pytest.fixture
def worker(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--role", "worker"],
        env={**env, "HUB_LISTEN": f"127.0.0.1:{port}"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.communicate(timeout=20)


async def test_a_worker_process_serves_health_and_metrics_only(
        env: dict[str, str], worker: str) -> None:
    token = hub(env, "token", "create", "--role", "admin").stdout.strip().splitlines()[-1]
    base = worker
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, base)
        async with http.get(f"{base}/metrics",
                            headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
            assert "hub_deliveries" in await response.text()
        async with http.get(f"{base}/metrics") as response:
            assert response.status == 401
        async with http.get(f"{base}/api/v1/persons",
                            headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 404  # pages and the API are the web role's

"""What the hub writes to disk (the database and its WAL, the sandbox outbox, blobs, the
generated secret key) is readable by its own user only: files 0600, folders 0700, whatever
the umask the process was started with."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from hub.config import load_settings
from hub.logs import setup_logging
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app

CHECKOUT = Path(__file__).resolve().parents[1]  # a child process imports this checkout


def modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode)
            for p in [root, *root.rglob("*")]}


def assert_private(root: Path) -> None:
    found = modes(root)
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (root / name).is_dir() else 0o600)}
    assert not wrong, wrong


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual 022 (world-readable files), as a service manager may well hand over."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_outbox_blobs_and_database_are_private(
        tmp_path: Path, open_umask: None,
        aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    var = tmp_path / "var"
    settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{var}/db/hub.db",
                              "HUB_VAR_DIR": str(var), "HUB_SECRET_KEY": "k" * 32},
                             dotenv=None)
    store = await create_store(settings)
    try:
        token = await create_token(store, name="admin-test", role="admin")
        client = await aiohttp_client(create_app(settings, store=store))
        auth = {"Authorization": f"Bearer {token}"}
        person = await (await client.post("/api/v1/persons", headers=auth, json={
            "name": "Anna", "emails": ["anna@example.com"]})).json()
        sent = await client.post(f"/api/v1/persons/{person['id']}/messages", headers=auth,
                                 json={"channel": "email", "subject": "Hi", "text": "Hello"})
        assert sent.status == 202
        held = await client.post("/api/v1/inbound/email", headers={
            **auth, "Content-Type": "message/rfc822"}, data=b"no headers here\r\n")
        assert (await held.json())["kind"] == "quarantine"
        names = set(modes(var))
        assert {"outbox", "blobs", "db/hub.db", "db/hub.db-wal"} <= names, names
        assert any(name.startswith("outbox/") and name.endswith(".eml") for name in names)
        assert any(name.count("/") == 2 and name.startswith("blobs/") for name in names)
        assert_private(var)
    finally:
        await store.close()


def test_the_command_line_keeps_what_it_writes_private(tmp_path: Path) -> None:
    """`hub ingest-eml` as an MTA runs it: the var folder, the generated secret key, the
    database and the quarantined mail's blob."""
    var = tmp_path / "var"
    env = {**os.environ, "HUB_VAR_DIR": str(var), "HUB_DATABASE_URL": f"sqlite:///{var}/hub.db",
           "PYTHONPATH": str(CHECKOUT)}
    env.pop("HUB_SECRET_KEY", None)
    done = subprocess.run(["sh", "-c", f"umask 022 && exec {sys.executable} -m hub.cli "
                                       "ingest-eml"], env=env, cwd=tmp_path,
                          input=b"no headers here\r\n", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    names = set(modes(var))
    assert {".", "secret_key", "hub.db", "blobs"} <= names, names
    assert_private(var)


def test_debug_logging_does_not_write_sql_parameters(tmp_path: Path) -> None:
    """HUB_LOG_LEVEL=DEBUG is for our own code: the database drivers' debug lines carry every
    query's parameters (names, addresses, message text) and stay off."""
    import asyncio

    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("DEBUG")
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]

        async def write() -> None:
            settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                                      "HUB_VAR_DIR": str(tmp_path / "var"),
                                      "HUB_SECRET_KEY": "k" * 32}, dotenv=None)
            store = await create_store(settings)
            try:
                await create_token(store, name="Secret Sauce Person", role="admin")
            finally:
                await store.close()

        asyncio.run(write())
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert "Secret Sauce Person" not in stream.getvalue()

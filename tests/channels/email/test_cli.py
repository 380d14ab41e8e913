"""`hub ingest-eml`: files or standard input, exit 75 when the store is unavailable."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.cli import main
from tests.channels.email.servers import free_port

CHECKOUT = Path(__file__).resolve().parents[3]  # the child process imports this checkout


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUB_DATABASE_URL", database)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUB_SECRET_KEY", "c" * 32)


@pytest.fixture
def in_process() -> Iterator[None]:
    """`main()` sets up the process as the CLI does (umask 077, a log handler on stderr);
    undone afterwards so the rest of the session (a Dovecot child reading its files, pytest's
    closed capture streams) is not affected."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    umask = os.umask(0o077)
    os.umask(umask)
    yield
    os.umask(umask)
    root.handlers[:] = handlers
    root.setLevel(level)


def test_files_and_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str], in_process: None) -> None:
    _env(monkeypatch, tmp_path, f"sqlite:///{tmp_path}/hub.db")
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: a@example.com\r\nMessage-ID: <cli-1@x>\r\nSubject: hi\r\n\r\nhi\r\n")
    bad = tmp_path / "bad.eml"
    bad.write_bytes(b"no headers here\r\n")
    assert main(["ingest-eml", str(good), str(bad)]) == 0
    out = capsys.readouterr().out
    assert "good.eml: event" in out and "bad.eml: quarantined" in out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(good.read_bytes())))
    assert main(["ingest-eml"]) == 0
    assert "(already stored)" in capsys.readouterr().out


def test_store_unavailable_exits_75(tmp_path: Path) -> None:
    """Run as an MTA would: a separate process, the mail on standard input. A MongoDB that
    does not answer must make it exit 75 so the MTA keeps the mail and tries again."""
    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_SECRET_KEY": "c" * 32,
           "HUB_DATABASE_URL": f"mongodb://127.0.0.1:{free_port()}/hub"
                               "?serverSelectionTimeoutMS=300"}
    done = subprocess.run([sys.executable, "-m", "hub.cli", "ingest-eml"], env=env,
                          cwd=tmp_path, input=b"From: a@example.com\r\n\r\nx",
                          capture_output=True, timeout=30)
    assert done.returncode == 75, done.stderr
    assert b"try again later" in done.stderr


def test_blob_store_that_cannot_be_written_exits_75(tmp_path: Path) -> None:
    """Run as an MTA would. The blob folder cannot be created (its parent is a file, as a
    disk that refuses writes would; chmod does not stop root): the quarantined raw mail cannot
    be kept, so the MTA must keep it and try again (75), not bounce it (1)."""
    (tmp_path / "var").write_text("a file where the blob folder's parent should be")
    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path / "var" / "sub"),
           "HUB_SECRET_KEY": "c" * 32, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
           "PYTHONPATH": str(CHECKOUT)}
    done = subprocess.run([sys.executable, "-m", "hub.cli", "ingest-eml"], env=env,
                          cwd=tmp_path, input=b"no headers here\r\n", capture_output=True,
                          timeout=30)
    assert done.returncode == 75, done.stderr
    assert b"try again later" in done.stderr
    assert b"Traceback" not in done.stderr

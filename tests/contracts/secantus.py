"""SecantusDB for the contract suite: one server per test session, on a free loopback port, with
its WiredTiger storage in a temp dir (DESIGN §8: the real thing, started by the tests).

SecantusDB (`pip install secantusdb`, a test extra; GPL, never a runtime dependency) is a
MongoDB wire-protocol server written in Python on WiredTiger, MongoDB's own storage engine. It
reports itself as a one-node replica set named `secantus`. It runs as a subprocess (its own
event loop and GIL, as a mongod would), stopped at the end of the session.

When it cannot start the secantus tests skip with the reason, or fail under
`HUB_REQUIRE_REAL_SERVICES=1` (as `.ci/run` sets), like the Dovecot and Chromium fixtures.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass
class SecantusServer:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("HUB_REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(f"SecantusDB is required (HUB_REQUIRE_REAL_SERVICES=1): {reason}")
    pytest.skip(f"SecantusDB: {reason}")


def _answers(url: str) -> bool:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(url, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def start_secantus(root: Path, port: int | None = None) -> SecantusServer:
    """Start `secantusd-py` (as `python -m secantus`) and wait until it answers a ping; on
    `port` and the storage under `root` again to restart a stopped one."""
    if importlib.util.find_spec("secantus") is None:
        _unavailable("the secantusdb package is not installed (pip install -e '.[test]')")
    port = port or _free_port()
    log = root / "secantus.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(port),
             "--storage-path", str(root / "data"), "--log-level", "WARNING"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = SecantusServer(process=process, port=port, log=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _unavailable(f"exited with {process.returncode}: {server.log_tail()}")
        if _answers(server.url):
            return server
        time.sleep(0.2)
    server.stop()
    _unavailable(f"no answer on port {port} within {START_TIMEOUT_S:.0f} s: {server.log_tail()}")
    raise AssertionError("unreachable")  # _unavailable always raises

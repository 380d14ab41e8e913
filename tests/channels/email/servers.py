"""Real mail servers for the tests: aiosmtpd in this process, Dovecot as a child process."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imap_tools import MailBoxUnencrypted

USER, PASSWORD = "hub", "hub-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what it receives and can refuse on cue."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)  # replies for the next DATA commands
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → RCPT reply
    hold_s: float = 0.0  # each message is accepted after this long (a slow relay)
    peers: set[Any] = field(default_factory=set)  # the client ends of the connections used

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.peers.add(session.peer)
        if self.hold_s:
            await asyncio.sleep(self.hold_s)
        if self.fail_next:
            return self.fail_next.pop(0)
        raw = envelope.original_content or b""
        self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos), raw))
        self.received.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    config: Path

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, *messages: bytes) -> None:
        """Put messages into the INBOX (IMAP APPEND, as a delivery agent would)."""
        with MailBoxUnencrypted("127.0.0.1", self.port).login(USER, PASSWORD) as box:
            for raw in messages:
                box.append(raw, "INBOX", dt=None, flag_set=())

    def seen_count(self) -> int:
        with MailBoxUnencrypted("127.0.0.1", self.port).login(USER, PASSWORD) as box:
            return len(box.uids("SEEN"))

    def kick(self) -> None:
        """Drop every IMAP connection of the user, server side."""
        self.doveadm("kick", USER)

    def doveadm(self, *args: str) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), *args], check=False,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)

    def stop(self) -> None:
        """SIGTERM to the master (its pid file); `doveadm stop` waits ~3 s for nothing."""
        try:
            pid = int((self.root / "run" / "master.pid").read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            self.doveadm("stop")

    def info(self) -> dict[str, Any]:
        return {"log": (self.root / "dovecot.log").read_text(errors="replace")[-2000:]}


def start_dovecot(root: Path) -> Dovecot:
    """Dovecot on a free loopback port with a throw-away mail dir (DESIGN §8)."""
    if shutil.which("dovecot") is None or shutil.which("doveadm") is None:
        if os.environ.get("HUB_REQUIRE_REAL_SERVICES") == "1":
            pytest.fail("Dovecot is required (HUB_REQUIRE_REAL_SERVICES=1) but not installed")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    for name in ("run", "state", "mail"):
        (root / name).mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(DOVECOT_CONF.format(root=root, port=port))
    (root / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{root}/home\n")
    for path in (root, root / "mail", root / "state"):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    os.chmod(root, 0o755)
    with open(root / "start.log", "wb") as log:  # dovecot daemonises: no pipes to wait on
        subprocess.run(["dovecot", "-c", str(config)], check=True, stdout=log, stderr=log,
                       stdin=subprocess.DEVNULL, timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return Dovecot(root=root, port=port, config=config)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not start: {(root / 'dovecot.log').read_text()[-2000:]}")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    # not under pytest's tmp dir: that is private to root, and Dovecot's user must reach it
    root = Path(tempfile.mkdtemp(prefix="hub-dovecot-"))
    try:
        server = start_dovecot(root)
        yield server
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)

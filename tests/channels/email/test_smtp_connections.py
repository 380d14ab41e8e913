"""HUB_SMTP_CONNECTIONS: how many connections the SMTP adapter opens at most, and how many
sends a campaign worker keeps in flight over them (aiosmtpd in this process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from channels.email import build_adapter
from hub.config import Settings, load_settings
from hub.domain.common import new_id
from hub.ports import OutboundMessage
from hub.wiring import dispatch_config
from tests.channels.email.servers import SmtpSink


def settings_with(tmp_path: Path, port: int, **more: str) -> Settings:
    return load_settings({"HUB_VAR_DIR": str(tmp_path), "HUB_EMAIL_FROM": "news@hub.example",
                          "HUB_SMTP_URL": f"smtp://127.0.0.1:{port}", **more}, dotenv=None)


async def send_at_once(settings: Settings, count: int) -> list[str]:
    adapter = build_adapter(settings)
    assert adapter is not None
    try:
        receipts = await asyncio.gather(*(adapter.send(OutboundMessage(
            event_id=new_id(), channel="email", to=f"klant{n}@example.com", subject="Nieuws",
            text=f"bericht {n}")) for n in range(count)))
    finally:
        await adapter.close()
    return [receipt.status for receipt in receipts]


async def test_sends_at_once_share_as_many_connections_as_set(
    tmp_path: Path, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    sink.hold_s = 0.05  # a slow relay: every connection is busy when the next send comes
    statuses = await send_at_once(settings_with(tmp_path, port, HUB_SMTP_CONNECTIONS="3"), 9)
    assert statuses == ["sent"] * 9
    assert len(sink.received) == 9
    assert len(sink.peers) == 3  # three connections, each used for three messages


async def test_the_default_is_four_connections(
    tmp_path: Path, smtp_server: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_server
    sink.hold_s = 0.05
    assert await send_at_once(settings_with(tmp_path, port), 10) == ["sent"] * 10
    assert len(sink.peers) == 4


def test_a_worker_keeps_twice_the_connections_in_flight(tmp_path: Path) -> None:
    assert dispatch_config(settings_with(tmp_path, 25)).concurrency == 8
    assert dispatch_config(settings_with(tmp_path, 25, HUB_SMTP_CONNECTIONS="2")).concurrency == 8
    more = settings_with(tmp_path, 25, HUB_SMTP_CONNECTIONS="12")
    assert dispatch_config(more).concurrency == 24

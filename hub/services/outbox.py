"""The sandbox outbox as staff read it: what the sandbox transports "sent" instead of mailing
or texting (`.eml` files for email, `.json` for SMS, under `var/outbox/`), newest first."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

OUTBOX_SHOWN = 100
MAX_OUTBOX_FILE = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class OutboxItem:
    name: str
    channel: str
    to: str
    subject: str
    text: str
    event_id: str
    sent_at: float


def _read(path: Path) -> OutboxItem:
    raw = path.read_bytes()[:MAX_OUTBOX_FILE]
    if path.suffix == ".eml":
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        body = mail.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        return OutboxItem(path.name, "email", str(mail["To"] or ""), str(mail["Subject"] or ""),
                          text, str(mail["X-Hub-Event"] or ""), path.stat().st_mtime)
    data = json.loads(raw)
    return OutboxItem(path.name, "sms", str(data.get("to", "")), "", str(data.get("body", "")),
                      str(data.get("event_id", "")), path.stat().st_mtime)


def read_outbox(directory: Path, *, shown: int = OUTBOX_SHOWN) -> list[OutboxItem]:
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.suffix in (".eml", ".json")
             and not p.name.startswith(".")]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    items = []
    for path in files[:shown]:
        try:
            items.append(_read(path))
        except (ValueError, LookupError, AttributeError):
            continue  # a damaged file: skipped, the rest still shows
    return items


async def sandbox_outbox(var_dir: Path) -> tuple[Path, list[OutboxItem]]:
    """The outbox directory and what is in it (read in a worker thread)."""
    directory = var_dir / "outbox"
    return directory, await asyncio.to_thread(read_outbox, directory)


def forget(var_dir: Path, event_ids: list[str]) -> int:
    """Erasure: delete what the sandbox "sent" for these outbound events; how many files."""
    directory = var_dir / "outbox"
    removed = 0
    for event_id in event_ids:
        for suffix in (".eml", ".json"):
            path = directory / f"{event_id}{suffix}"
            if path.is_file():
                path.unlink()
                removed += 1
    return removed

"""How values look on staff pages: times, durations, mail bodies. Inbound HTML is sanitised
again here (defence in depth: whatever is stored, nothing active reaches the page) and plain
text is only ever escaped, never turned into HTML by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from channels.email.content import sanitise_html

QUOTE_START = re.compile(r"^(>|On .{1,200} wrote:\s*$|Op .{1,200} schreef .{0,100}:\s*$|"
                         r"-----\s*Original Message\s*-----|-----\s*Oorspronkelijk bericht)",
                         re.IGNORECASE)
STATUS_KIND = {"queued": "pending", "sent": "ok", "delivered": "ok", "received": "ok",
               "read": "ok", "failed": "bad", "bounced": "bad", "undelivered": "bad",
               "delayed": "warn", "unknown": "warn"}


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return ""


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}" if minutes else f"{rest} s"


def split_quoted(text: str | None) -> tuple[str, str]:
    """A plain-text body and its quoted history (from the first quote marker on)."""
    lines = (text or "").splitlines()
    for index, line in enumerate(lines):
        if QUOTE_START.match(line.strip()):
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:])
    return (text or "").rstrip(), ""


def safe_html(html: str | None) -> tuple[Markup, Markup]:
    """Sanitised mail HTML as (body, quoted history): nh3 again, then split at the first
    blockquote and sanitised once more per half so each is well-formed."""
    if not html:
        return Markup(""), Markup("")
    clean, _ = sanitise_html(html)
    at = clean.lower().find("<blockquote")
    if at <= 0:
        return Markup(clean), Markup("")
    head, _ = sanitise_html(clean[:at])
    tail, _ = sanitise_html(clean[at:])
    return Markup(head), Markup(tail)


def remote_images(urls: Any) -> list[str]:
    """The https image URLs a mail referenced (listed at ingest, never loaded by default)."""
    if not isinstance(urls, list):
        return []
    return [u for u in urls if isinstance(u, str) and u.lower().startswith("https://")][:50]


def status_kind(status: str | None) -> str:
    return STATUS_KIND.get(status or "", "neutral")


def text_value(value: Any) -> str:
    """Any stored value (form fields, unknown data) as plain text."""
    if isinstance(value, list):
        return ", ".join(text_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


FILTERS = {"ago": ago, "when": when, "duration": duration, "split_quoted": split_quoted,
           "safe_html": safe_html, "remote_images": remote_images, "status_kind": status_kind,
           "text_value": text_value}


def install_filters(env: Environment) -> None:
    if "ui_installed" in env.globals:
        return
    for name, function in FILTERS.items():
        env.filters.setdefault(name, function)
    env.globals["ui_installed"] = True

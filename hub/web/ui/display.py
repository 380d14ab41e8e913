"""How values look on staff pages: mail bodies, statuses, stored values (times, numbers and
durations go through the `hub.web.templating` format filters). Inbound HTML is sanitised
again here (defence in depth: whatever is stored, nothing active reaches the page) and plain
text is only ever escaped, never turned into HTML by hand."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from channels.email.content import sanitise_html
from hub.i18n import N_
from hub.web.locale import Viewer
from hub.web.templating import viewer
from hub.web.ui.script_texts import script_texts

QUOTE_START = re.compile(r"^(>|On .{1,200} wrote:\s*$|Op .{1,200} schreef .{0,100}:\s*$|"
                         r"-----\s*Original Message\s*-----|-----\s*Oorspronkelijk bericht)",
                         re.IGNORECASE)
STATUS_KIND = {"queued": "pending", "sent": "ok", "delivered": "ok", "received": "ok",
               "read": "ok", "failed": "bad", "bounced": "bad", "undelivered": "bad",
               "delayed": "warn", "unknown": "warn"}


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


def plain_text(value: Any, viewer: Viewer) -> str:
    """Any stored value (form fields, unknown data) as plain text; yes and no in the
    viewer's language."""
    if isinstance(value, list):
        return ", ".join(plain_text(v, viewer) for v in value)
    if isinstance(value, bool):
        return viewer.gettext("yes") if value else viewer.gettext("no")
    return "" if value is None else str(value)


@pass_context
def text_value(context: Context, value: Any) -> str:
    return plain_text(value, viewer(context))


# The notices a page shows after a redirect (`?notice=saved`), as texts to translate; a code
# not listed is shown as it is written ("some-code" → "Some code.").
NOTICES = {"saved": N_("Saved."), "launched": N_("Launched."), "paused": N_("Paused."),
           "resumed": N_("Resumed."), "cancelled": N_("Cancelled."),
           "test-sent": N_("Test sent."),
           "trigger-saved": N_("Trigger saved."),
           "trigger-switched-on": N_("Trigger switched on."),
           "trigger-switched-off": N_("Trigger switched off."),
           "token-revoked": N_("Token revoked."),
           "sessions-ended": N_("Their sessions are ended."),
           "counted": N_("Counted again.")}


FILTERS = {"split_quoted": split_quoted,
           "safe_html": safe_html, "remote_images": remote_images, "status_kind": status_kind,
           "text_value": text_value}


def install_filters(env: Environment) -> None:
    if "ui_installed" in env.globals:
        return
    for name, function in FILTERS.items():
        env.filters.setdefault(name, function)
    env.globals["NOTICES"] = NOTICES
    env.globals["script_texts"] = script_texts
    env.globals["ui_installed"] = True

"""Admin pages beyond the users on `/admin`: API tokens (create — the token shown once —,
list, revoke) and `/admin/channels`, the channel status page: SMTP, IMAP and Twilio each
configured, sandbox (messages go to the outbox) or off, with the last success and the last
error the app knows of. No secret is ever rendered: only hosts, users and sender numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web

from channels.email.imap import STATUS_KEY
from hub.config import Settings
from hub.domain.common import utcnow
from hub.domain.events import Event
from hub.domain.staff import ADMIN_ONLY, STAFF_ROLES
from hub.errors import ConfigError, InvalidInput
from hub.services.staff import create_token
from hub.web.keys import SETTINGS, STORE
from hub.web.ui.guard import staff_page
from hub.web.ui.records import admin_context
from hub.web.ui.render import error_page, redirect, render

RECENT_DAYS = 30
RECENT_SENDS = 200
SUCCESS = frozenset({"sent", "delivered", "queued", "accepted"})
FAILURE = frozenset({"failed", "undelivered", "bounced"})


@staff_page(ADMIN_ONLY)
async def create_api_token(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    role = str(form.get("role", ""))
    if role not in STAFF_ROLES:
        return await admin_context(request, status=422, error="Choose the token's role.")
    try:
        token = await create_token(request.app[STORE], name=str(form.get("name", ""))[:200],
                                   role=role)
    except InvalidInput as exc:
        return await admin_context(request, status=422, error=exc.message)
    return await admin_context(request, token=(str(form.get("name", "")).strip(), token))


@staff_page(ADMIN_ONLY)
async def revoke_api_token(request: web.Request) -> web.StreamResponse:
    token_id = request.match_info["token_id"][:64]
    if not await request.app[STORE].tokens.revoke(token_id):
        return error_page(request, 404, "There is no such token, or it was revoked before.")
    return redirect("/admin?notice=token-revoked#tokens")


# --- channel status --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    name: str
    mode: str  # configured, sandbox or off
    where: str
    explain: str
    last_success: str | None = None
    last_error: str | None = None
    last_error_detail: str | None = None


def _endpoint(url: str | None, parse: Any, *, mailbox: bool = False) -> str:
    """host:port and user of a mail URL, never the password; a broken URL says so."""
    if not url:
        return ""
    try:
        server = parse(url)
    except ConfigError:
        return "the URL does not parse (see the server log)"
    who = f"{server.username} at " if server.username else ""
    box = f" / {server.mailbox}" if mailbox else ""
    return f"{who}{server.host}:{server.port}{box}"


def _when(event: Event | None) -> str | None:
    return event.occurred_at.isoformat(timespec="seconds").replace("+00:00", "Z") \
        if event else None


async def _sends(request: web.Request, channel: str) -> tuple[str | None, str | None,
                                                                  str | None]:
    """(last success, last error, its detail) from the recent outbound events' statuses."""
    events = await request.app[STORE].events.recent_outbound(
        channel, since=utcnow() - timedelta(days=RECENT_DAYS), limit=RECENT_SENDS)  # type: ignore[arg-type]
    ok = next((e for e in events if (e.status or "") in SUCCESS), None)
    bad = next((e for e in events if (e.status or "") in FAILURE), None)
    detail = None
    if bad is not None:
        detail = next((c.detail for c in reversed(bad.status_history) if c.detail), None) \
            or bad.status
    return _when(ok), _when(bad), detail


def _scrub(text: str | None, settings: Settings) -> str | None:
    """Belt and braces: a secret that slipped into an error message is cut out."""
    if text is None:
        return None
    for secret in _secrets(settings):
        text = text.replace(secret, "•••")
    return text[:300]


def _secrets(settings: Settings) -> list[str]:
    found = [s for s in (settings.twilio_auth_token,) if s]
    for url in (settings.smtp_url, settings.imap_url):
        if url and "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
            found.append(url.split("@", 1)[0].split("//", 1)[-1].split(":", 1)[1])
    return [s for s in found if len(s) >= 3]


async def channel_statuses(request: web.Request) -> list[ChannelStatus]:
    from channels.email.config import parse_imap_url, parse_smtp_url
    from channels.sms.config import TwilioConfig

    settings = request.app[SETTINGS]
    outbox = "messages are written to the sandbox outbox (/outbox), nothing leaves"
    smtp_ok, smtp_bad, smtp_why = await _sends(request, "email")
    smtp = ChannelStatus(
        "SMTP (outgoing email)", "configured" if settings.smtp_url else "sandbox",
        _endpoint(settings.smtp_url, parse_smtp_url),
        "HUB_SMTP_URL is set" if settings.smtp_url else f"HUB_SMTP_URL is not set: {outbox}",
        smtp_ok, smtp_bad, _scrub(smtp_why, settings))
    state = await request.app[STORE].channel_state.get(STATUS_KEY) or {}
    imap = ChannelStatus(
        "IMAP (incoming email)", "configured" if settings.imap_url else "off",
        _endpoint(settings.imap_url, parse_imap_url, mailbox=True),
        f"polled every {settings.imap_poll_seconds:g} s by the worker" if settings.imap_url
        else "HUB_IMAP_URL is not set: no mailbox is read (mail can still come in by the MTA "
             "pipe or `hub ingest-eml`)",
        state.get("last_success_at"), state.get("last_error_at"),
        _scrub(state.get("last_error"), settings))
    twilio = TwilioConfig.from_settings(settings)
    sms_ok, sms_bad, sms_why = await _sends(request, "sms")
    sender = ""
    if twilio is not None:
        sender = f"account {twilio.account_sid[:6]}…, from " + (
            twilio.from_number or f"messaging service {twilio.messaging_service_sid}")
    sms = ChannelStatus(
        "Twilio (SMS and calls)", "configured" if twilio else "sandbox", sender,
        "account, token and sender are set" if twilio else
        f"HUB_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM are not all set: {outbox}",
        sms_ok, sms_bad, _scrub(sms_why, settings))
    return [smtp, imap, sms]


@staff_page(ADMIN_ONLY)
async def channels_page(request: web.Request) -> web.StreamResponse:
    return render(request, "ui/admin_channels.html", {
        "title": "Channels", "nav": "channels", "channels": await channel_statuses(request),
        "recent_days": RECENT_DAYS, "recent_sends": RECENT_SENDS})

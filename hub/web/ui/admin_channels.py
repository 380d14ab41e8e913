"""`/admin/channels`, the channel status page: SMTP, IMAP and Twilio each configured, sandbox
(messages go to the outbox) or off, with the last success and the last error the app knows
of. No secret is ever rendered: only hosts, users and sender numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from channels import REGISTRY
from channels.email.imap import STATUS_KEY
from channels.setup import ChannelSetup
from hub.config import Settings
from hub.domain.channels import SendableChannel, sendable
from hub.domain.staff import ADMIN_ONLY
from hub.errors import ConfigError
from hub.i18n import N_
from hub.services.channel_status import RECENT_DAYS, RECENT_SENDS
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.guard import staff_page
from hub.web.ui.render import render, translate


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    name: str
    mode: str  # configured, sandbox or off
    where: str
    explain: str
    last_success: str | None = None
    last_error: str | None = None
    last_error_detail: str | None = None
    webhooks: tuple[tuple[str, str], ...] = ()  # (what it carries, full URL to paste)
    key: str = ""  # the row's data-channel (else the name's first word)


def _endpoint(url: str | None, parse: Any, *, mailbox: bool = False) -> str:
    """host:port and user of a mail URL, never the password; a broken URL says so."""
    if not url:
        return ""
    try:
        server = parse(url)
    except ConfigError:
        return translate(N_("the URL does not parse (see the server log)"))
    who = translate(N_("%(user)s at "), user=server.username) if server.username else ""
    box = f" / {server.mailbox}" if mailbox else ""
    return f"{who}{server.host}:{server.port}{box}"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


async def _sends(request: web.Request, channel: SendableChannel) -> tuple[str | None, str | None,
                                                                  str | None]:
    """(last success, last error, its detail) from the recent outbound events' statuses."""
    last = await request.app[SERVICES].channel_status.last_sends(
        channel, days=RECENT_DAYS, limit=RECENT_SENDS)
    return _when(last.success_at), _when(last.error_at), last.error_detail


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
    outbox = translate(N_("messages are written to the sandbox outbox (/outbox), nothing "
                          "leaves"))
    smtp_ok, smtp_bad, smtp_why = await _sends(request, "email")
    smtp = ChannelStatus(
        translate(N_("SMTP (outgoing email)")), "configured" if settings.smtp_url else "sandbox",
        _endpoint(settings.smtp_url, parse_smtp_url),
        translate(N_("HUB_SMTP_URL is set")) if settings.smtp_url else
        translate(N_("HUB_SMTP_URL is not set: %(outbox)s"), outbox=outbox),
        smtp_ok, smtp_bad, _scrub(smtp_why, settings))
    state = await request.app[SERVICES].channel_status.poller_state(STATUS_KEY)
    imap = ChannelStatus(
        translate(N_("IMAP (incoming email)")), "configured" if settings.imap_url else "off",
        _endpoint(settings.imap_url, parse_imap_url, mailbox=True),
        translate(N_("polled every %(seconds)s s by the worker"),
                  seconds=f"{settings.imap_poll_seconds:g}") if settings.imap_url
        else translate(N_("HUB_IMAP_URL is not set: no mailbox is read (mail can still come "
                          "in by the MTA pipe or `hub ingest-eml`)")),
        state.get("last_success_at"), state.get("last_error_at"),
        _scrub(state.get("last_error"), settings))
    twilio = TwilioConfig.from_settings(settings)
    sms_ok, sms_bad, sms_why = await _sends(request, "sms")
    sender = ""
    if twilio is not None:
        sender = translate(N_("account %(account)s…, from %(sender)s"),
                           account=twilio.account_sid[:6], sender=twilio.from_number or translate(
                               N_("messaging service %(sid)s"),
                               sid=twilio.messaging_service_sid))
    sms = ChannelStatus(
        translate(N_("Twilio (SMS and calls)")), "configured" if twilio else "sandbox", sender,
        translate(N_("account, token and sender are set")) if twilio else
        translate(N_("HUB_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM are not all set: "
                     "%(outbox)s"), outbox=outbox),
        sms_ok, sms_bad, _scrub(sms_why, settings))
    return [smtp, imap, sms, *[await _described(request, sendable_name, setup, outbox)
                               for sendable_name, setup in REGISTRY.setups(settings)]]


async def _described(request: web.Request, name: str, setup: ChannelSetup, outbox: str
                     ) -> ChannelStatus:
    """The row of a channel that describes itself in the registry (`channels.ChannelSetup`)."""
    settings = request.app[SETTINGS]
    channel = sendable(name)
    ok, bad, why = await _sends(request, channel) if channel else (None, None, None)
    return ChannelStatus(
        translate(setup.label), "configured" if setup.configured else "sandbox", setup.sender,
        translate(setup.explain, outbox=outbox), ok, bad, _scrub(why, settings),
        webhooks=tuple((translate(what), settings.public_url + path)
                       for what, path in setup.webhooks), key=name)


@staff_page(ADMIN_ONLY)
async def channels_page(request: web.Request) -> web.StreamResponse:
    return render(request, "ui/admin_channels.html", {
        "title": N_("Channels"), "nav": "channels", "channels": await channel_statuses(request),
        "recent_days": RECENT_DAYS, "recent_sends": RECENT_SENDS})

"""The email channel: SMTP out (`outbound`), and in by IMAP (`imap`), by an MTA pipe or the CLI
(`ingest`), parsed by `inbound`, bounces by `bounces`. Configured by HUB_SMTP_URL and
HUB_IMAP_URL (`config`)."""

from __future__ import annotations

from hub.config import Settings
from hub.ports import ChannelAdapter, ChannelCapabilities

EMAIL_CAPABILITIES = ChannelCapabilities(subject=True, html=True, media=False,
                                         threads_by_token=True)


def build_adapter(settings: Settings) -> ChannelAdapter | None:
    """The SMTP adapter, or None when HUB_SMTP_URL is unset (the sandbox outbox stands in)."""
    if not settings.smtp_url:
        return None
    from channels.email.config import parse_smtp_url
    from channels.email.outbound import SmtpAdapter

    return SmtpAdapter(parse_smtp_url(settings.smtp_url), settings.email_from,
                       pool_size=settings.smtp_connections)

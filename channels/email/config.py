"""HUB_SMTP_URL and HUB_IMAP_URL: the parsers live in `hub.config_urls`, where the settings
check them at load time; the email adapters import them from here."""

from __future__ import annotations

from hub.config_urls import (
    IMAP_SCHEMES,
    SMTP_SCHEMES,
    ServerConfig,
    parse_imap_url,
    parse_smtp_url,
)

__all__ = ["IMAP_SCHEMES", "SMTP_SCHEMES", "ServerConfig", "parse_imap_url", "parse_smtp_url"]

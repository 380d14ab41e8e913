"""HUB_SMTP_URL and HUB_IMAP_URL, parsed strictly: a bad value names its variable."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from hub.errors import ConfigError

SMTP_SCHEMES = {"smtp": 587, "smtps": 465}
IMAP_SCHEMES = {"imap": 143, "imaps": 993}


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One mail server: where, how (TLS mode) and who. The password never shows in repr."""

    host: str
    port: int
    implicit_tls: bool  # smtps/imaps: TLS from the first byte
    starttls: bool  # smtp/imap: upgrade with STARTTLS (plain only on loopback)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    mailbox: str = "INBOX"  # IMAP only


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse(variable: str, url: str, schemes: dict[str, int]) -> tuple[ServerConfig, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(variable, f"not a valid URL: {exc}") from exc
    if parts.scheme not in schemes:
        raise ConfigError(variable, f"the scheme must be one of {', '.join(sorted(schemes))}")
    if not parts.hostname:
        raise ConfigError(variable, "names no host")
    if parts.query or parts.fragment:
        raise ConfigError(variable, "takes no query or fragment")
    if (parts.username is None) != (parts.password is None):
        raise ConfigError(variable, "give both a user and a password, or neither")
    implicit = parts.scheme.endswith("s")
    host = parts.hostname
    config = ServerConfig(
        host=host, port=port or schemes[parts.scheme], implicit_tls=implicit,
        starttls=not implicit and not is_loopback(host),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
    return config, parts.path


def parse_smtp_url(url: str, variable: str = "HUB_SMTP_URL") -> ServerConfig:
    """`smtp://user:pass@host:587` (STARTTLS, or plain on loopback) or `smtps://…:465`."""
    config, path = _parse(variable, url, SMTP_SCHEMES)
    if path not in ("", "/"):
        raise ConfigError(variable, "takes no path")
    return config


def parse_imap_url(url: str, variable: str = "HUB_IMAP_URL") -> ServerConfig:
    """`imaps://user:pass@host:993/INBOX`; `imap://` uses STARTTLS, or plain only on loopback."""
    config, path = _parse(variable, url, IMAP_SCHEMES)
    if config.username is None:
        raise ConfigError(variable, "needs a user and password (imap://user:pass@host/INBOX)")
    mailbox = unquote(path.lstrip("/")) or "INBOX"
    if any(c in mailbox for c in "\r\n\"\\") or len(mailbox) > 200:
        raise ConfigError(variable, "the mailbox name is not usable")
    return ServerConfig(
        host=config.host, port=config.port, implicit_tls=config.implicit_tls,
        starttls=config.starttls, username=config.username, password=config.password,
        mailbox=mailbox,
    )


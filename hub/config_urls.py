"""Channel addresses in the settings, parsed strictly: a bad value names its variable.

`hub.config` checks every one at load time; the channel adapters use the parsed forms
(`channels/email/config.py` re-exports the mail server parsers). Pure parsing, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import HeaderRegistry
from urllib.parse import SplitResult, unquote, urlsplit

from hub.domain.common import is_loopback_host
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


def _split(variable: str, url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError on a port that is not a number below 65536
    except ValueError as exc:
        raise ConfigError(variable, f"not a valid URL: {exc}") from exc
    if port == 0:
        raise ConfigError(variable, "the port must be 1 to 65535")
    return parts


def _parse(variable: str, url: str, schemes: dict[str, int]) -> tuple[ServerConfig, str]:
    parts = _split(variable, url)
    port = parts.port
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
        starttls=not implicit and not is_loopback_host(host),
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


def parse_http_url(url: str, variable: str) -> str:
    """An `http://` or `https://` base URL with a host and no query or fragment, without the
    trailing slash (paths are appended to it)."""
    parts = _split(variable, url)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(variable, "must start with http:// or https://")
    if not parts.hostname:
        raise ConfigError(variable, "names no host")
    if parts.query or parts.fragment:
        raise ConfigError(variable, "takes no query or fragment")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(variable, "takes no user or password")
    return url.strip().rstrip("/")


_ADDRESS_HEADERS = HeaderRegistry()


def parse_email_address(value: str, variable: str) -> str:
    """One mailbox, `hub@example.com` or `Hub <hub@example.com>`, as a From header takes it."""
    text = value.strip()
    if any(c in text for c in "\r\n\0"):
        raise ConfigError(variable, "must be one line")
    try:
        header = _ADDRESS_HEADERS("From", text)
        addresses = header.addresses  # type: ignore[attr-defined]  # an AddressHeader
        defects = header.defects
    except (HeaderParseError, IndexError, ValueError) as exc:
        raise ConfigError(variable, f"not an email address: {text!r}") from exc
    if len(addresses) != 1 or defects or not addresses[0].username \
            or not addresses[0].domain:
        raise ConfigError(variable, f"expected one address such as hub@example.com or "
                                    f"Hub <hub@example.com>, got {text!r}")
    return text

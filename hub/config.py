"""One frozen, typed settings object, loaded once from the environment (and `.env`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers

from hub.errors import ConfigError
from hub.i18n import DEFAULT_TIMEZONE, LANGUAGES
from hub.i18n.formats import is_timezone

DEFAULT_DATABASE_URL = "sqlite:///./var/hub.db"
DEFAULT_LISTEN = "127.0.0.1:8080"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = field(default="", repr=False)
    default_region: str = "NL"
    var_dir: Path = Path("var")
    max_body_bytes: int = 1_048_576
    smtp_url: str | None = field(default=None, repr=False)
    email_from: str = "hub@localhost"
    imap_url: str | None = field(default=None, repr=False)
    imap_poll_seconds: float = 60.0
    email_attachment_limit: int = 25 * 1024 * 1024
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base: str | None = None
    log_level: str = "INFO"
    default_language: str = "nl"
    timezone: str = "Europe/Amsterdam"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise ConfigError("HUB_LISTEN", f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _secret_key(env: Mapping[str, str], var_dir: Path) -> str:
    """The configured key, else one generated once into `var/secret_key` and reused."""
    if env.get("HUB_SECRET_KEY"):
        key = env["HUB_SECRET_KEY"]
        if len(key) < 16:
            raise ConfigError("HUB_SECRET_KEY", "must be at least 16 characters")
        return key
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def load_settings(
    env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Settings from `env` (default: os.environ over `.env`); a bad value names its variable."""
    merged: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
    merged.update(os.environ if env is None else env)

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    database_url = get("HUB_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite://", "mongodb://", "mongodb+srv://")):
        raise ConfigError("HUB_DATABASE_URL", "must start with sqlite:// or mongodb://")
    host, port = _parse_listen(get("HUB_LISTEN") or DEFAULT_LISTEN)
    region = (get("HUB_DEFAULT_REGION") or "NL").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError("HUB_DEFAULT_REGION", f"unknown region {region!r}")
    max_body = get("HUB_MAX_BODY_BYTES") or "1048576"
    if not max_body.isdigit():
        raise ConfigError("HUB_MAX_BODY_BYTES", "must be a whole number of bytes")
    var_dir = Path(get("HUB_VAR_DIR") or "var")
    poll = get("HUB_IMAP_POLL_SECONDS") or "60"
    try:
        poll_seconds = float(poll)
    except ValueError:
        poll_seconds = -1.0
    if not 0.1 <= poll_seconds <= 86_400:
        raise ConfigError("HUB_IMAP_POLL_SECONDS", "must be a number of seconds (0.1 to 86400)")
    attachment_limit = get("HUB_EMAIL_ATTACHMENT_LIMIT_BYTES") or str(25 * 1024 * 1024)
    if not attachment_limit.isdigit():
        raise ConfigError("HUB_EMAIL_ATTACHMENT_LIMIT_BYTES", "must be a whole number of bytes")
    public_url = (get("HUB_PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError("HUB_PUBLIC_URL", "must start with http:// or https://")
    return Settings(
        database_url=database_url,
        listen_host=host,
        listen_port=port,
        public_url=public_url,
        secret_key=_secret_key(merged, var_dir),
        default_region=region,
        var_dir=var_dir,
        max_body_bytes=int(max_body),
        smtp_url=get("HUB_SMTP_URL"),
        email_from=get("HUB_EMAIL_FROM") or "hub@localhost",
        imap_url=get("HUB_IMAP_URL"),
        imap_poll_seconds=poll_seconds,
        email_attachment_limit=int(attachment_limit),
        twilio_account_sid=get("HUB_TWILIO_ACCOUNT_SID"),
        twilio_auth_token=get("HUB_TWILIO_AUTH_TOKEN"),
        twilio_from=get("HUB_TWILIO_FROM"),
        twilio_messaging_service_sid=get("HUB_TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_base=get("HUB_TWILIO_API_BASE"),
        log_level=(get("HUB_LOG_LEVEL") or "INFO").upper(),
        default_language=_choice("HUB_DEFAULT_LANGUAGE", get("HUB_DEFAULT_LANGUAGE") or "nl",
                                 LANGUAGES),
        timezone=_timezone(get("HUB_TIMEZONE") or DEFAULT_TIMEZONE),
    )


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value.lower() not in allowed:
        raise ConfigError(name, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value.lower()


def _timezone(value: str) -> str:
    if not is_timezone(value):
        raise ConfigError("HUB_TIMEZONE", f"unknown time zone {value!r} (e.g. Europe/Amsterdam)")
    return value

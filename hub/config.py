"""One frozen, typed settings object, loaded once from the environment (and `.env`).

Every setting is declared once, in `VARIABLES`: its environment name, the `Settings` field(s)
it fills, its parser, its default, whether it is a secret, and the help text. `load_settings`
builds `Settings` from that table, and `markdown_table` writes the README's configuration
table from the same rows (`hub config --markdown`; a test keeps the README equal to it).
A bad value raises `ConfigError` naming its variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from hub.config_urls import parse_email_address, parse_http_url, parse_imap_url, parse_smtp_url
from hub.errors import ConfigError
from hub.i18n import DEFAULT_TIMEZONE, LANGUAGES

DEFAULT_DATABASE_URL = "sqlite:///./var/hub.db"
DEFAULT_LISTEN = "127.0.0.1:8080"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
IPNetwork = IPv4Network | IPv6Network
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = field(default="", repr=False)
    default_region: str = "NL"
    var_dir: Path = Path("var")
    templates_dir: Path | None = None
    max_body_bytes: int = 1_048_576
    smtp_url: str | None = field(default=None, repr=False)
    smtp_connections: int = 4
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
    marketing_cap: int | None = 3
    marketing_cap_days: int = 7
    quiet_hours: tuple[time, time] | None = (time(21), time(8))
    quiet_days: frozenset[int] = frozenset({6})
    conversation_reopen_days: int = 7
    survey_fatigue_days: int = 30
    sms_stop_scope: str = "number"
    trusted_proxies: tuple[IPNetwork, ...] = ()
    segment_budget_seconds: float = 5.0
    guard_hard_bounce_rate: float | None = 0.05
    guard_complaint_rate: float | None = 0.001
    guard_unsubscribe_rate: float | None = 0.02
    guard_window: int = 100
    preflight_full_limit: int = 5000
    twilio_whatsapp_from: str | None = None
    whatsapp_media_limit: int = 16 * 1024 * 1024
    webhooks_allow_private: bool = False
    webhooks_lease_seconds: float = 600.0
    webhooks_outbox_retention_days: int = 7
    webhooks_log_retention_days: int = 30


# A parser takes the stripped, non-empty text and the variable's name, and returns the value
# (a tuple when the variable fills several fields); it raises ConfigError naming the variable.
Parser = Callable[[str, str], Any]
# A default computed from the values already loaded (by field name).
Derived = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Var:
    """One environment variable: where it goes, how it is read, and what the README says."""

    name: str
    fields: tuple[str, ...]  # the Settings field(s) it fills
    parse: Parser
    default: str | Derived | None  # text parsed like a value, computed, or None: unset
    help: str  # the README's "meaning" column (markdown)
    shown_default: str | None = None  # the README's "default" column when not `default`
    secret: bool = False  # never printed, never logged

    def readme_default(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return f"`{self.default}`" if isinstance(self.default, str) else ""


# --- parsers -------------------------------------------------------------------------------


def _text(value: str, variable: str) -> str:
    return value


def _path(value: str, variable: str) -> Path:
    return Path(value)


def _timezone(value: str, variable: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(variable, f"unknown time zone {value!r} (like {DEFAULT_TIMEZONE})"
                          ) from exc
    return value


def _stop_scope(value: str, variable: str) -> str:
    if value.lower() not in ("number", "person"):
        raise ConfigError(variable, f"must be number or person, got {value!r}")
    return value.lower()


def _language(value: str, variable: str) -> str:
    if value.lower() not in LANGUAGES:
        raise ConfigError(variable, f"must be one of {', '.join(LANGUAGES)}, got {value!r}")
    return value.lower()


OFF = ("off", "none", "no")


def _count(unit: str, low: int, high: int | None = None, *, off: bool = False) -> Parser:
    """A whole number of `unit` in [low, high] (no upper bound without high), or `off` → None."""
    bounds = (f" from {low} to {high}" if high is not None
              else f" (at least {low})" if low else "")
    problem = f"must be a whole number of {unit}{bounds}" + (", or off" if off else "")

    def parse(value: str, variable: str) -> int | None:
        if off and value.lower() in OFF:
            return None
        if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
            raise ConfigError(variable, problem)
        return int(value)
    return parse


_cap = _count("messages", 0, off=True)
_days = _count("days", 1, 365)
_sends = _count("sends", 10, 1_000_000)
# at most 24: a campaign worker's 48 sends in flight are one chunk (its crash window)
_connections = _count("connections", 1, 24)


def _whole(low: int) -> Parser:
    return _count("bytes", low)


def _clock(text: str, variable: str) -> time:
    hours, sep, minutes = text.strip().partition(":")
    if not (hours.isdigit() and (not sep or minutes.isdigit())):
        raise ConfigError(variable, f"{text!r} is not a time like 21:00")
    try:
        return time(int(hours), int(minutes or 0))
    except ValueError as exc:
        raise ConfigError(variable, f"{text!r} is not a time like 21:00") from exc


def _quiet_hours(value: str, variable: str) -> tuple[time, time] | None:
    if value.lower() in OFF:
        return None
    start, sep, end = value.partition("-")
    if not sep:
        raise ConfigError(variable, "must be a local time range like 21:00-08:00, or off")
    window = (_clock(start, variable), _clock(end, variable))
    if window[0] == window[1]:
        raise ConfigError(variable, "starts and ends at the same time")
    return window


def _weekdays(value: str, variable: str) -> frozenset[int]:
    if value.lower() in OFF:
        return frozenset()
    days = [day.strip().lower()[:3] for day in value.split(",") if day.strip()]
    unknown = [day for day in days if day not in WEEKDAYS]
    if unknown:
        raise ConfigError(variable, f"unknown day {unknown[0]!r}; use mon,tue,…,sun or off")
    return frozenset(WEEKDAYS.index(day) for day in days)


def _directory(value: str, variable: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(variable, f"{value!r} is not a directory")
    return path


def _rate(value: str, variable: str) -> float | None:
    """A share: `5%`, `0.05` or off."""
    if value.lower() in OFF:
        return None
    text = value.removesuffix("%").strip()
    try:
        number = float(text) / (100 if value.endswith("%") else 1)
    except ValueError:
        number = -1.0
    if not 0 < number <= 1:
        raise ConfigError(variable, "must be a share such as 5% or 0.05 (above 0, at most 1), "
                                    "or off")
    return number


def _flag(value: str, variable: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(variable, f"must be true or false, got {value!r}")


def _seconds(low: float, high: float) -> Parser:
    def parse(value: str, variable: str) -> float:
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not low <= seconds <= high:
            raise ConfigError(variable, f"must be a number of seconds ({low:g} to {high:g})")
        return seconds
    return parse


def _database_url(value: str, variable: str) -> str:
    if not value.startswith(("sqlite://", "mongodb://", "mongodb+srv://")):
        raise ConfigError(variable, "must start with sqlite:// or mongodb://")
    return value


def _listen(value: str, variable: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise ConfigError(variable, f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _networks(value: str, variable: str) -> tuple[IPNetwork, ...]:
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in value.split(",")):
        if not item or item.lower() in OFF:
            continue
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(variable, f"{item!r} is not an IP address or CIDR range "
                              "(like 10.0.0.0/8 or ::1)") from exc
    return tuple(networks)


def _secret_key(value: str, variable: str) -> str:
    if len(value) < 16:
        raise ConfigError(variable, "must be at least 16 characters")
    return value


def _region(value: str, variable: str) -> str:
    region = value.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(variable, f"unknown region {region!r}")
    return region


def _log_level(value: str, variable: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(variable, f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def _smtp_url(value: str, variable: str) -> str:
    parse_smtp_url(value, variable)  # checked now; the adapter parses it again when built
    return value


def _imap_url(value: str, variable: str) -> str:
    parse_imap_url(value, variable)
    return value


def _generated_key(values: Mapping[str, Any]) -> str:
    """A key generated once into `var/secret_key` and reused."""
    var_dir: Path = values["var_dir"]
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


# --- the table -----------------------------------------------------------------------------

VARIABLES: tuple[Var, ...] = (
    Var("HUB_DATABASE_URL", ("database_url",), _database_url, DEFAULT_DATABASE_URL,
        "`sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, or "
        "`mongodb://host:27017/hub?replicaSet=rs0` (also `mongodb+srv://`)"),
    Var("HUB_LISTEN", ("listen_host", "listen_port"), _listen, DEFAULT_LISTEN,
        "`HOST:PORT` to listen on; `0.0.0.0:8080` in a container"),
    Var("HUB_PUBLIC_URL", ("public_url",), parse_http_url,
        lambda v: f"http://{v['listen_host']}:{v['listen_port']}",
        "the address customers and Twilio reach Hub at; used in links in messages and to check "
        "Twilio signatures", shown_default="`http://` + `HUB_LISTEN`"),
    Var("HUB_SECRET_KEY", ("secret_key",), _secret_key, _generated_key,
        "at least 16 characters; signs sessions and keys the erasure hashes. Set the same value "
        "on every process that shares one database",
        shown_default="generated into `var/secret_key`", secret=True),
    Var("HUB_DEFAULT_REGION", ("default_region",), _region, "NL",
        "region for phone numbers written without `+` (ISO 3166 code)"),
    Var("HUB_VAR_DIR", ("var_dir",), _path, "var",
        "writable state: the generated secret key, the sandbox outbox (`var/outbox/`)"),
    Var("HUB_TEMPLATES_DIR", ("templates_dir",), _directory, None,
        "a directory of message texts searched before the built-in `templates/messages/`: "
        "`<name>/<language>/<file>`, then `<name>/<file>` (files `subject.txt`, `body.txt`, "
        "`body.html`, `sms.txt`)", shown_default="unset: the built-in texts"),
    Var("HUB_MAX_BODY_BYTES", ("max_body_bytes",), _whole(1), "1048576",
        "largest request body accepted (raw mail, CSV imports, forms)"),
    Var("HUB_LOG_LEVEL", ("log_level",), _log_level, "INFO",
        "`DEBUG`, `INFO`, `WARNING` or `ERROR` (the database drivers stay at `INFO`: their "
        "debug lines carry query parameters)"),
    Var("HUB_SMTP_URL", ("smtp_url",), _smtp_url, None,
        "`smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465` (implicit TLS)",
        shown_default="unset: outbox", secret=True),
    Var("HUB_SMTP_CONNECTIONS", ("smtp_connections",), _connections, "4",
        "SMTP connections each process keeps open to that server at most (1 to 24). Every "
        "message waits for a few round trips to the server, so a relay far away sends faster "
        "with more; a relay that limits connections per client needs at most its limit. A "
        "campaign worker keeps twice this many messages in flight (at least 8)"),
    Var("HUB_EMAIL_FROM", ("email_from",), parse_email_address, "hub@localhost",
        "sender address of outbound mail (`hub@example.com` or `Hub <hub@example.com>`)"),
    Var("HUB_IMAP_URL", ("imap_url",), _imap_url, None,
        "`imaps://user:pass@host:993/INBOX` (implicit TLS), `imap://…` (STARTTLS, or plain "
        "only on a loopback address)", shown_default="unset: no polling", secret=True),
    Var("HUB_IMAP_POLL_SECONDS", ("imap_poll_seconds",), _seconds(0.1, 86_400), "60",
        "how often the IMAP poller looks for new mail (0.1 to 86400)"),
    Var("HUB_EMAIL_ATTACHMENT_LIMIT_BYTES", ("email_attachment_limit",), _whole(0),
        str(25 * 1024 * 1024),
        "attachments up to this size are kept (`var/blobs/`); larger ones are listed, not kept",
        shown_default="`26214400` (25 MB)"),
    Var("HUB_TWILIO_ACCOUNT_SID", ("twilio_account_sid",), _text, None,
        "Twilio account SID (set together with `HUB_TWILIO_AUTH_TOKEN`)",
        shown_default="unset: outbox"),
    Var("HUB_TWILIO_AUTH_TOKEN", ("twilio_auth_token",), _text, None,
        "Twilio auth token; also checks the `X-Twilio-Signature` of webhooks", secret=True),
    Var("HUB_TWILIO_FROM", ("twilio_from",), _text, None,
        "sending number in E.164, or instead:"),
    Var("HUB_TWILIO_MESSAGING_SERVICE_SID", ("twilio_messaging_service_sid",), _text, None,
        "a Messaging Service SID"),
    Var("HUB_TWILIO_API_BASE", ("twilio_api_base",), parse_http_url, None,
        "only to point the Twilio SDK elsewhere (tests): replaces `https://api.twilio.com`"),
    Var("HUB_DEFAULT_LANGUAGE", ("default_language",), _language, "nl",
        "language of pages and messages when neither the person, the form or survey, nor the "
        "browser says otherwise (`nl` or `en`)"),
    Var("HUB_TIMEZONE", ("timezone",), _timezone, DEFAULT_TIMEZONE,
        "time zone for times shown, and for quiet hours of persons whose own zone is not "
        "known (a phone number's country gives it)"),
    Var("HUB_MARKETING_CAP", ("marketing_cap",), _cap, "3",
        "at most this many marketing messages (campaigns, surveys) per person within "
        "`HUB_MARKETING_CAP_DAYS`, across channels; more are skipped with the reason. `off`: "
        "no cap"),
    Var("HUB_MARKETING_CAP_DAYS", ("marketing_cap_days",), _days, "7",
        "the frequency cap's window in days"),
    Var("HUB_QUIET_HOURS", ("quiet_hours",), _quiet_hours, "21:00-08:00",
        "no marketing messages in these hours of the recipient's local time (a message is "
        "deferred, never dropped; service replies are never held). `off`: none"),
    Var("HUB_QUIET_DAYS", ("quiet_days",), _weekdays, "sun",
        "weekdays without marketing messages, e.g. `sat,sun`. `off`: none"),
    Var("HUB_CONVERSATION_REOPEN_DAYS", ("conversation_reopen_days",), _days, "7",
        "a customer's message after this many idle days opens a new conversation (and "
        "resolves the idle one); a reply to a conversation resolved within it reopens it"),
    Var("HUB_SURVEY_FATIGUE_DAYS", ("survey_fatigue_days",), _days, "30",
        "at most one survey (any kind: campaigns, triggers, CSAT after a resolved "
        "conversation) per person within this many days"),
    Var("HUB_SMS_STOP_SCOPE", ("sms_stop_scope",), _stop_scope, "number",
        "what an SMS `STOP` opts out: `number` (the number it came from) or `person` (every "
        "number of its owner)"),
    Var("HUB_TRUSTED_PROXIES", ("trusted_proxies",), _networks, "",
        "comma-separated addresses or CIDR ranges of reverse proxies in front of Hub (like "
        "`127.0.0.1,10.0.0.0/8`): only a request from one of these may name the client "
        "(`X-Forwarded-For`, for the log-in throttle and the request log) and HTTPS "
        "(`X-Forwarded-Proto`, for secure cookies)", shown_default="unset: trust none"),
    Var("HUB_SEGMENT_BUDGET_SECONDS", ("segment_budget_seconds",), _seconds(0.05, 600), "5",
        "longest a segment count or sample may run (0.05 to 600); a filter that needs more "
        "is refused as too expensive (422) instead of holding up the server"),
    Var("HUB_GUARD_HARD_BOUNCE_RATE", ("guard_hard_bounce_rate",), _rate, "5%",
        "a campaign pauses itself when this share of its last `HUB_GUARD_WINDOW` sends bounced "
        "hard (a DSN, or an SMTP 5xx refusal at hand-over). `off`: never"),
    Var("HUB_GUARD_COMPLAINT_RATE", ("guard_complaint_rate",), _rate, "0.1%",
        "a campaign pauses itself when this share of its sends was reported as spam "
        "(feedback-loop reports, ARF). `off`: never"),
    Var("HUB_GUARD_UNSUBSCRIBE_RATE", ("guard_unsubscribe_rate",), _rate, "2%",
        "a campaign pauses itself when this share of its recipients unsubscribed. `off`: never"),
    Var("HUB_GUARD_WINDOW", ("guard_window",), _sends, "100",
        "the deliverability guardrails judge a campaign's rates over its last this many sends "
        "(a rolling window), first once this many went out"),
    Var("HUB_PREFLIGHT_FULL_LIMIT", ("preflight_full_limit",), _sends, "5000",
        "the preflight at campaign review renders the templates for every recipient up to this "
        "audience size; beyond it, for one recipient per distinct shape of the variables"),
    Var("HUB_TWILIO_WHATSAPP_FROM", ("twilio_whatsapp_from",), _text, None,
        "the WhatsApp sender number (E.164, without `whatsapp:`); with the Twilio account "
        "and token it turns WhatsApp on (else WhatsApp goes to the sandbox outbox)"),
    Var("HUB_WHATSAPP_MEDIA_LIMIT", ("whatsapp_media_limit",), _whole(0), "16777216",
        "largest WhatsApp media file kept as an attachment, in bytes (a larger one is listed "
        "with its link and kept in the quarantine)"),
    Var("HUB_WEBHOOKS_ALLOW_PRIVATE", ("webhooks_allow_private",), _flag, "false",
        "`true` lets admins subscribe outgoing webhooks to private-range addresses "
        "(10/8, 172.16/12, 192.168/16, link-local); loopback is always allowed"),
    Var("HUB_WEBHOOKS_LEASE_SECONDS", ("webhooks_lease_seconds",), _seconds(1, 86_400), "600",
        "how long a worker holds a batch of outgoing-webhook deliveries; after a crash, "
        "another worker posts them again once it ran out"),
    Var("HUB_WEBHOOKS_OUTBOX_RETENTION_DAYS", ("webhooks_outbox_retention_days",), _days, "7",
        "the webhook worker deletes emitted events already fanned out to the subscriptions "
        "once they are this old (each delivery keeps its own copy of the payload)"),
    Var("HUB_WEBHOOKS_LOG_RETENTION_DAYS", ("webhooks_log_retention_days",), _days, "30",
        "the webhook worker deletes finished deliveries (delivered, failed, cancelled) from "
        "the delivery log once their last attempt is this old; they can no longer be "
        "replayed"),
)
TABLE_HEADER = "| variable | default | meaning |"


def _check_table() -> None:
    """Each variable and each Settings field declared exactly once."""
    names = [var.name for var in VARIABLES]
    filled = [name for var in VARIABLES for name in var.fields]
    declared = list(Settings.__dataclass_fields__)
    if len(set(names)) != len(names) or sorted(filled) != sorted(declared):
        raise RuntimeError("hub.config.VARIABLES must name each variable and field once")
    for var in VARIABLES:
        if var.secret and any(Settings.__dataclass_fields__[f].repr for f in var.fields):
            raise RuntimeError(f"{var.name} is a secret: its Settings field needs repr=False")


_check_table()


# --- loading -------------------------------------------------------------------------------


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


def _check_pairs(values: Mapping[str, Any]) -> None:
    """Settings that only work together."""
    sid, token = values["twilio_account_sid"], values["twilio_auth_token"]
    if sid and not token:
        raise ConfigError("HUB_TWILIO_AUTH_TOKEN", "is needed with HUB_TWILIO_ACCOUNT_SID")
    if token and not sid:
        raise ConfigError("HUB_TWILIO_ACCOUNT_SID", "is needed with HUB_TWILIO_AUTH_TOKEN")


def load_settings(
    env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Settings from `env` (default: os.environ over `.env`); a bad value names its variable."""
    merged: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
    merged.update(os.environ if env is None else env)
    values: dict[str, Any] = {}
    derived: list[Var] = []
    for var in VARIABLES:  # given values and literal defaults first; computed ones after
        raw = merged.get(var.name, "").strip()
        if raw or isinstance(var.default, str):
            _store(values, var, var.parse(raw or str(var.default), var.name))
        elif var.default is None:
            _store(values, var, None)
        else:
            derived.append(var)
    for var in derived:
        assert callable(var.default)
        _store(values, var, var.default(values))
    _check_pairs(values)
    return Settings(**values)


def _store(values: dict[str, Any], var: Var, value: Any) -> None:
    if len(var.fields) == 1:
        values[var.fields[0]] = value
    else:
        values.update(zip(var.fields, value, strict=True))


# --- describing ----------------------------------------------------------------------------


def markdown_table() -> str:
    """The README's configuration table, one row per variable, from `VARIABLES`."""
    rows = [TABLE_HEADER, "|---|---|---|"]
    for var in VARIABLES:
        cells = (f"`{var.name}`", var.readme_default(), var.help)
        rows.append("|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|")
    return "\n".join(rows) + "\n"


def describe(settings: Settings) -> list[tuple[str, str]]:
    """(variable, value in effect) for each variable; secrets show only whether they are set."""
    described = []
    for var in VARIABLES:
        parts = [getattr(settings, name) for name in var.fields]
        if var.secret:
            shown = "(set)" if any(parts) else "(unset)"
        else:
            shown = ":".join("" if part is None else str(part) for part in parts)
        described.append((var.name, shown))
    return described

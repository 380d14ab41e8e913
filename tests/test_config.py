"""Settings: defaults that run, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main
from hub.config import TABLE_HEADER, VARIABLES, Settings, describe, load_settings, markdown_table
from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path)}, dotenv=None)
    assert settings.database_url == "sqlite:///./var/hub.db"
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 8080)
    assert settings.default_region == "NL"
    assert len(settings.secret_key) >= 32
    # the generated key is kept and reused
    assert load_settings({"HUB_VAR_DIR": str(tmp_path)}, dotenv=None).secret_key == \
        settings.secret_key
    assert settings.secret_key not in repr(settings)


@pytest.mark.parametrize(("name", "value"), [
    ("HUB_DATABASE_URL", "postgres://x"),
    ("HUB_LISTEN", "localhost"),
    ("HUB_LISTEN", "127.0.0.1:99999"),
    ("HUB_DEFAULT_REGION", "XX"),
    ("HUB_SECRET_KEY", "short"),
    ("HUB_PUBLIC_URL", "ftp://x"),
    ("HUB_MAX_BODY_BYTES", "lots"),
])
def test_bad_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"HUB_VAR_DIR": str(tmp_path), name: value}, dotenv=None)
    assert info.value.variable == name


@pytest.mark.parametrize(("name", "value", "said"), [
    ("HUB_MARKETING_CAP", "three", "whole number of messages, or off"),
    ("HUB_SURVEY_FATIGUE_DAYS", "0", "whole number of days from 1 to 365"),
    ("HUB_SURVEY_FATIGUE_DAYS", "366", "whole number of days from 1 to 365"),
    ("HUB_GUARD_WINDOW", "9", "whole number of sends from 10 to 1000000"),
    ("HUB_MAX_BODY_BYTES", "0", "whole number of bytes (at least 1)"),
    ("HUB_SMTP_CONNECTIONS", "0", "whole number of connections from 1 to 24"),
    ("HUB_SMTP_CONNECTIONS", "25", "whole number of connections from 1 to 24"),
    ("HUB_SMTP_CONNECTIONS", "four", "whole number of connections from 1 to 24"),
])
def test_a_number_out_of_range_says_the_range(
        tmp_path: Path, name: str, value: str, said: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"HUB_VAR_DIR": str(tmp_path), name: value}, dotenv=None)
    assert said in str(info.value)


def test_counts_and_off_load(tmp_path: Path) -> None:
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path), "HUB_MARKETING_CAP": "off",
                              "HUB_SURVEY_FATIGUE_DAYS": "365", "HUB_MAX_BODY_BYTES": "1"},
                             dotenv=None)
    assert (settings.marketing_cap, settings.survey_fatigue_days, settings.max_body_bytes) == \
        (None, 365, 1)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nHUB_DEFAULT_REGION="BE"\nexport HUB_LISTEN=0.0.0.0:9000\n')
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path), "HUB_LISTEN": "127.0.0.1:9100"},
                             dotenv=dotenv)
    assert settings.default_region == "BE"
    assert settings.listen_port == 9100


@pytest.mark.parametrize(("name", "value"), [
    ("HUB_SMTP_URL", "ftp://mail.example.org"),
    ("HUB_SMTP_URL", "smtp://"),
    ("HUB_SMTP_URL", "smtp://mail.example.org:99999"),
    ("HUB_SMTP_URL", "smtp://mail.example.org:port"),
    ("HUB_SMTP_URL", "smtp://user@mail.example.org"),  # a user without a password
    ("HUB_SMTP_URL", "smtps://mail.example.org/INBOX"),
    ("HUB_IMAP_URL", "pop3://u:p@mail.example.org"),
    ("HUB_IMAP_URL", "imaps://mail.example.org/INBOX"),  # no user
    ("HUB_IMAP_URL", "imaps://u:p@/INBOX"),
    ("HUB_IMAP_URL", "imap://u:p@mail.example.org:0/INBOX"),
    ("HUB_TWILIO_API_BASE", "ftp://127.0.0.1:8999"),
    ("HUB_TWILIO_API_BASE", "127.0.0.1:8999"),
    ("HUB_TWILIO_API_BASE", "http://"),
    ("HUB_PUBLIC_URL", "https://"),
    ("HUB_PUBLIC_URL", "https://hub.example.org/?next=1"),
    ("HUB_PUBLIC_URL", "https://hub.example.org:http"),
    ("HUB_EMAIL_FROM", "not an address"),
    ("HUB_EMAIL_FROM", "hub@"),
    ("HUB_EMAIL_FROM", "@example.org"),
    ("HUB_EMAIL_FROM", "a@example.org, b@example.org"),
    ("HUB_LOG_LEVEL", "LOUD"),
    ("HUB_IMAP_POLL_SECONDS", "0"),
    ("HUB_EMAIL_ATTACHMENT_LIMIT_BYTES", "25MB"),
    ("HUB_TEMPLATES_DIR", "/no/such/directory"),
])
def test_bad_channel_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"HUB_VAR_DIR": str(tmp_path), name: value}, dotenv=None)
    assert info.value.variable == name
    assert info.value.message.startswith(f"{name}: ")


@pytest.mark.parametrize(("given", "missing"), [
    ("HUB_TWILIO_ACCOUNT_SID", "HUB_TWILIO_AUTH_TOKEN"),
    ("HUB_TWILIO_AUTH_TOKEN", "HUB_TWILIO_ACCOUNT_SID"),
])
def test_twilio_sid_and_token_go_together(tmp_path: Path, given: str, missing: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"HUB_VAR_DIR": str(tmp_path), given: "AC0123456789abcdef"},
                      dotenv=None)
    assert info.value.variable == missing


def test_good_channel_values_load(tmp_path: Path) -> None:
    settings = load_settings({
        "HUB_VAR_DIR": str(tmp_path), "HUB_TEMPLATES_DIR": str(tmp_path),
        "HUB_SMTP_URL": "smtps://mailer:s%40cret@mail.example.org:465",
        "HUB_IMAP_URL": "imap://reader:pw@127.0.0.1:1143/Support",
        "HUB_EMAIL_FROM": "Hub Support <support@hub.example>",
        "HUB_PUBLIC_URL": "https://hub.example.org/crm/",
        "HUB_TWILIO_ACCOUNT_SID": "AC0123456789abcdef", "HUB_TWILIO_AUTH_TOKEN": "t" * 32,
        "HUB_TWILIO_API_BASE": "http://127.0.0.1:8999/", "HUB_LOG_LEVEL": "debug",
    }, dotenv=None)
    assert settings.templates_dir == tmp_path
    assert settings.email_from == "Hub Support <support@hub.example>"
    assert settings.public_url == "https://hub.example.org/crm"
    assert settings.twilio_api_base == "http://127.0.0.1:8999"
    assert settings.log_level == "DEBUG"
    assert settings.smtp_url == "smtps://mailer:s%40cret@mail.example.org:465"
    assert load_settings({"HUB_VAR_DIR": str(tmp_path)}, dotenv=None).templates_dir is None


def test_secrets_are_never_shown(tmp_path: Path) -> None:
    settings = load_settings({
        "HUB_VAR_DIR": str(tmp_path), "HUB_SECRET_KEY": "k" * 20,
        "HUB_SMTP_URL": "smtp://mailer:smtp-pass-1@mail.example.org",
        "HUB_TWILIO_ACCOUNT_SID": "AC0123456789abcdef", "HUB_TWILIO_AUTH_TOKEN": "tok-secret-2",
    }, dotenv=None)
    shown = dict(describe(settings))
    for secret in ("k" * 20, "smtp-pass-1", "tok-secret-2"):
        assert secret not in repr(settings)
        assert secret not in str(shown)
    assert shown["HUB_SMTP_URL"] == "(set)" and shown["HUB_IMAP_URL"] == "(unset)"
    assert shown["HUB_LISTEN"] == "127.0.0.1:8080"
    assert shown["HUB_TWILIO_ACCOUNT_SID"] == "AC0123456789abcdef"


def test_every_setting_is_declared_once() -> None:
    names = [var.name for var in VARIABLES]
    assert len(names) == len(set(names))
    assert sorted(f for var in VARIABLES for f in var.fields) == sorted(
        Settings.__dataclass_fields__)


def readme_table() -> str:
    """The table under `## Configuration` in the README, from its header to its last row."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    lines = section.split("\n")
    start = lines.index(TABLE_HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end]) + "\n"


@pytest.mark.marketing_rules
def test_readme_configuration_table_is_the_rendered_one() -> None:
    assert readme_table() == markdown_table(), (
        "the README's configuration table differs from hub/config.py's VARIABLES: "
        "paste the output of `hub config --markdown` into the README")


def test_cli_prints_the_table_without_valid_settings(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUB_SMTP_URL", "not a url")  # documentation needs no valid settings
    assert main(["config", "--markdown"]) == 0
    assert capsys.readouterr().out == markdown_table()
    assert main(["config"]) == 78  # EX_CONFIG: the bad value stops everything else
    assert "HUB_SMTP_URL" in capsys.readouterr().err

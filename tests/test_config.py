"""Settings: defaults that run, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_settings
from hub.errors import ConfigError


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


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nHUB_DEFAULT_REGION="BE"\nexport HUB_LISTEN=0.0.0.0:9000\n')
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path), "HUB_LISTEN": "127.0.0.1:9100"},
                             dotenv=dotenv)
    assert settings.default_region == "BE"
    assert settings.listen_port == 9100

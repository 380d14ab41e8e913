"""Choosing a language: the person's or user's own, then the form's or survey's, then the
browser's Accept-Language, then HUB_DEFAULT_LANGUAGE; unknown codes never fail."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.errors import ConfigError
from hub.i18n import accepted, negotiate, supported


@pytest.mark.parametrize(("code", "language"), [
    ("nl", "nl"), ("NL", "nl"), ("nl-BE", "nl"), ("nl_NL", "nl"), ("en-GB", "en"),
    ("en_us", "en"), ("de", None), ("xx", None), ("", None), (None, None),
    ("zz-Qq-123", None), ("n" * 100, None), ("*", None), ("12", None),
])
def test_supported(code: str | None, language: str | None) -> None:
    assert supported(code) == language


def test_accept_language_by_quality() -> None:
    assert accepted("de-DE,de;q=0.9,en;q=0.8,nl;q=0.9") == ("nl", "en")
    assert accepted("en-GB,en;q=0.9,nl;q=0.8") == ("en", "nl")
    assert accepted("nl;q=0, en") == ("en",)
    assert accepted("garbage;;q=x,,nl") == ("nl",)
    assert accepted("*") == () and accepted(None) == () and accepted("ü;q=1") == ()


def test_negotiation_order() -> None:
    assert negotiate(["en", "nl"], "nl-NL", "nl") == "en"  # the person's own first
    assert negotiate([None, "en"], "nl-NL", "nl") == "en"  # then the survey's
    assert negotiate(["klingon", None], "en-GB,en", "nl") == "en"  # then the browser
    assert negotiate([], "fr-FR", "nl") == "nl"  # then the default
    assert negotiate([], None, "en") == "en"
    assert negotiate([], None, "xx") == "nl"  # a bad default is still a language


def test_settings() -> None:
    settings = load_settings({}, dotenv=None)
    assert (settings.default_language, settings.timezone) == ("nl", "Europe/Amsterdam")
    custom = load_settings({"HUB_DEFAULT_LANGUAGE": "EN", "HUB_TIMEZONE": "Europe/London"},
                           dotenv=None)
    assert (custom.default_language, custom.timezone) == ("en", "Europe/London")
    with pytest.raises(ConfigError, match="HUB_DEFAULT_LANGUAGE"):
        load_settings({"HUB_DEFAULT_LANGUAGE": "de"}, dotenv=None)
    with pytest.raises(ConfigError, match="HUB_TIMEZONE"):
        load_settings({"HUB_TIMEZONE": "Mars/Olympus"}, dotenv=None)

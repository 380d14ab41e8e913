"""Suite-wide: marketing quiet hours and the frequency cap depend on the wall clock and on
what earlier steps of a test sent, so they are off in tests that are not about them. A test
about them, or about the settings' real defaults, is marked `marketing_rules`."""

from __future__ import annotations

import dataclasses

import pytest

import hub.config

RULES_OFF = {"HUB_QUIET_HOURS": "off", "HUB_QUIET_DAYS": "off", "HUB_MARKETING_CAP": "off"}


@pytest.fixture(autouse=True)
def marketing_rules_off(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("marketing_rules"):
        return
    monkeypatch.setattr(hub.config, "VARIABLES", tuple(
        dataclasses.replace(var, default=RULES_OFF[var.name]) if var.name in RULES_OFF
        else var for var in hub.config.VARIABLES))

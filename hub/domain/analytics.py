"""Analytics figures as the store computes them (DESIGN §1 pyramid and KPIs): plain values,
aggregated by the database, ranked and labelled by `campaigns.analytics`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hub.domain.channels import SENDABLE_CHANNELS

MESSAGE_CHANNELS: tuple[str, ...] = (*SENDABLE_CHANNELS, "webform", "survey")
"""Channels whose events count as messages in the KPIs."""
ASKING_CHANNELS: tuple[str, ...] = (*SENDABLE_CHANNELS, "webform")
"""Inbound events on these wait for a first response (the response-time KPI)."""
Level = Literal["person", "household", "organisation"]
LEVELS: tuple[str, ...] = ("person", "household", "organisation")
Tier = Literal["top", "large", "medium", "small", "inactive", "prospect"]
TIERS: tuple[str, ...] = ("top", "large", "medium", "small", "inactive", "prospect")
REVENUE_TIERS: tuple[str, ...] = ("top", "large", "medium", "small")
"""Customers with revenue in the period, best first."""


@dataclass(frozen=True, slots=True)
class PartyRevenue:
    party_id: str
    revenue_minor: int


@dataclass(frozen=True, slots=True)
class CallFigures:
    count: int = 0
    duration_total_s: int = 0
    duration_count: int = 0  # calls with a known duration
    wait_total_s: int = 0
    wait_count: int = 0
    per_agent: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContactMoment:
    """One event in the response-time walk: an inbound message or a staff answer."""

    person_id: str
    at_ms: int  # epoch milliseconds
    inbound: bool

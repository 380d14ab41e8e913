"""Analytics figures as the store computes them (DESIGN §1 pyramid and KPIs): plain values,
aggregated by the database, ranked and labelled by `campaigns.analytics`."""

from __future__ import annotations

from collections.abc import Iterable
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


@dataclass(frozen=True, slots=True)
class PyramidFigures:
    """What the pyramid shows, in one read: the revenue of each customer in the period (more
    than 0), biggest first; how many parties bought before the period and not in it (the
    inactive); how many parties there are (active persons, or all households/organisations)."""

    revenues: list[int] = field(default_factory=list)
    lapsed: int = 0
    parties: int = 0


@dataclass(frozen=True, slots=True)
class ResponseWaits:
    """Staff's first responses in a period: each answered waiting stretch's wait in
    milliseconds, smallest first, and how many stretches are still unanswered."""

    waits_ms: list[int] = field(default_factory=list)
    unanswered: int = 0


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """Every figure of the KPI page the store aggregates, in one read."""

    calls: CallFigures
    messages: dict[str, dict[str, int]]
    responses: ResponseWaits
    consent_changes: dict[str, dict[str, int]]


def response_waits(moments: Iterable[tuple[str, int, bool]], start_ms: float, end_ms: float
                   ) -> ResponseWaits:
    """Walk contact moments (person, epoch ms, inbound?) ordered by person then time: a
    waiting stretch starts at a person's first inbound message in [start, end) while none is
    open and ends at their next staff answer (in the period or after it)."""
    waits: list[int] = []
    unanswered = 0
    person: str | None = None
    since: int | None = None
    for who, at_ms, inbound in moments:
        if who != person:
            unanswered += since is not None
            person, since = who, None
        if inbound:
            if since is None and start_ms <= at_ms < end_ms:
                since = at_ms
        elif since is not None:
            waits.append(at_ms - since)
            since = None
    unanswered += since is not None
    waits.sort()
    return ResponseWaits(waits, unanswered)

"""The analytics marketing decides from (DESIGN §1, issue 7): the customer pyramid with its
80/20 figure, the migration matrix between two periods, and the service KPIs.

The database aggregates (`Store.analytics`: revenue per party, call and message figures); this
module only ranks the per-party sums and labels them. Periods are half-open [from, to).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from campaigns.engine.lifecycle import CampaignService
from hub.domain.analytics import REVENUE_TIERS, Level, PartyRevenue, ResponseWaits
from hub.domain.common import iso
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.ports import Store

RANK = {tier: i for i, tier in enumerate(REVENUE_TIERS)}
NONE = "none"
"""In the migration matrix: no revenue in that period."""


@dataclass(frozen=True, slots=True)
class TierBounds:
    """Shares of the ranked customers: top 1%, the next 4% large, the next 15% medium, the
    rest small (the literature's pyramid); `top_share` is the 80/20 cut (top 20%)."""

    top: float = 0.01
    large: float = 0.04
    medium: float = 0.15
    top_share: float = 0.20

    def __post_init__(self) -> None:
        for name in ("top", "large", "medium", "top_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise InvalidInput(N_("%(name)s must be a share between 0 and 1"),
                                   params={"name": name},
                                   details={"field": name})
        if self.top + self.large + self.medium > 1:
            raise InvalidInput(N_("top + large + medium must not exceed 1"),
                               details={"field": "medium"})


def _cut(n: int, share: float) -> int:
    """How many of `n` ranked customers fall within the first `share` (at least one when the
    share is positive), rounded so that 5% of 100 is 5, not 6."""
    if share <= 0 or n == 0:
        return 0
    return min(n, max(1, math.ceil(round(n * share, 9))))


def _tier_cuts(n: int, bounds: TierBounds) -> tuple[int, int, int]:
    """Where the top, large and medium tiers of `n` ranked customers end."""
    return (_cut(n, bounds.top), _cut(n, bounds.top + bounds.large),
            _cut(n, bounds.top + bounds.large + bounds.medium))


def assign_tiers(ranked: Sequence[PartyRevenue], bounds: TierBounds) -> dict[str, str]:
    """Tier per party id for customers ranked best first."""
    cuts = _tier_cuts(len(ranked), bounds)
    tiers: dict[str, str] = {}
    for i, party in enumerate(ranked):
        if i < cuts[0]:
            tiers[party.party_id] = "top"
        elif i < cuts[1]:
            tiers[party.party_id] = "large"
        elif i < cuts[2]:
            tiers[party.party_id] = "medium"
        else:
            tiers[party.party_id] = "small"
    return tiers


def money(minor: int) -> float:
    return float(Decimal(minor) / 100)


def _check_period(start: datetime, end: datetime, names: tuple[str, str] = ("from", "to")
                  ) -> None:
    if end <= start:
        raise InvalidInput(N_("%(end)s must be after %(start)s"),
                           params={"end": names[1], "start": names[0]},
                           details={"field": names[1]})


class AnalyticsService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def pyramid(self, start: datetime, end: datetime, *, level: Level = "person",
                      bounds: TierBounds | None = None) -> dict[str, Any]:
        _check_period(start, end)
        bounds = bounds or TierBounds()
        # the sums per tier need only the revenues in rank order, not who has them
        figures = await self._store.analytics.pyramid_figures(level, start, end)
        revenues = figures.revenues
        ends = (*_tier_cuts(len(revenues), bounds), len(revenues))
        total = sum(revenues)
        per_tier = {tier: (stop - begin, sum(revenues[begin:stop]))
                    for tier, begin, stop in zip(REVENUE_TIERS, (0, *ends[:-1]), ends, strict=True)}
        top_n = _cut(len(revenues), bounds.top_share)
        top_revenue = sum(revenues[:top_n])
        rows = [{"tier": tier, "customers": count, "revenue": money(revenue),
                 "share": round(revenue / total, 4) if total else 0.0}
                for tier, (count, revenue) in per_tier.items()]
        rows.append({"tier": "inactive", "customers": figures.lapsed, "revenue": 0.0,
                     "share": 0.0})
        prospects = max(0, figures.parties - len(revenues) - figures.lapsed)
        rows.append({"tier": "prospect", "customers": prospects, "revenue": 0.0, "share": 0.0})
        return {
            "from": iso(start), "to": iso(end), "level": level,
            "customers": len(revenues), "revenue": money(total),
            "top20_share": round(top_revenue / total, 4) if total else 0.0,
            "top20_customers": top_n,
            "bounds": {"top": bounds.top, "large": bounds.large, "medium": bounds.medium,
                       "top_share": bounds.top_share},
            "tiers": rows,
        }

    async def tiers_now(self, start: datetime, end: datetime, level: Level,
                        bounds: TierBounds | None = None) -> dict[str, str]:
        """Every customer's and lapsed party's tier for the period (prospects not listed)."""
        ranked = await self._store.analytics.revenue_by_party(level, start, end)
        tiers = assign_tiers(ranked, bounds or TierBounds())
        for party in await self._store.analytics.lapsed_parties(level, start, end):
            tiers[party] = "inactive"
        return tiers

    async def refresh_tiers(self, start: datetime, end: datetime,
                            levels: Sequence[Level] = ("person", "household", "organisation"),
                            bounds: TierBounds | None = None) -> dict[str, int]:
        """Store each party's tier (`attributes.pyramid_tier`) for segments to filter on."""
        written: dict[str, int] = {}
        for level in levels:
            tiers = await self.tiers_now(start, end, level, bounds)
            written[level] = await self._store.analytics.set_tiers(level, tiers,
                                                                   default="prospect")
        return written

    async def migration(self, first: tuple[datetime, datetime], second: tuple[datetime, datetime],
                        *, level: Level = "person", bounds: TierBounds | None = None
                        ) -> dict[str, Any]:
        _check_period(*first, names=("from1", "to1"))
        _check_period(*second, names=("from2", "to2"))
        bounds = bounds or TierBounds()
        before = assign_tiers(await self._store.analytics.revenue_by_party(level, *first), bounds)
        after = assign_tiers(await self._store.analytics.revenue_by_party(level, *second), bounds)
        names = (*REVENUE_TIERS, NONE)
        matrix = {row: dict.fromkeys(names, 0) for row in names}
        counts = dict.fromkeys(("acquired", "retained", "upgraded", "downgraded", "lost",
                                "unchanged"), 0)
        for party in before.keys() | after.keys():
            old, new = before.get(party, NONE), after.get(party, NONE)
            matrix[old][new] += 1
            if old == NONE:
                counts["acquired"] += 1
            elif new == NONE:
                counts["lost"] += 1
            else:
                counts["retained"] += 1
                change = RANK[old] - RANK[new]
                counts["upgraded" if change > 0 else "downgraded" if change < 0
                       else "unchanged"] += 1
        lapsed = set(await self._store.analytics.lapsed_parties(level, *first))
        won_back = sum(1 for party in after if party not in before and party in lapsed)
        return {
            "level": level, "from1": iso(first[0]), "to1": iso(first[1]),
            "from2": iso(second[0]), "to2": iso(second[1]),
            "matrix": matrix, **counts, "won_back": won_back,
            "customers1": len(before), "customers2": len(after),
            "retention_rate": round(counts["retained"] / len(before), 4) if before else 0.0,
        }

    async def campaign_figures(self, start: datetime, end: datetime,
                               campaigns: CampaignService) -> dict[str, Any]:
        """Campaigns launched in the period with their delivery figures, and the totals."""
        keys = ("audience", "sent", "delivered", "failed", "skipped", "replied", "opted_out",
                "responses")
        totals = dict.fromkeys(keys, 0)
        listed: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = await self._store.campaigns.find(limit=200, after_id=after)
            for campaign in page:
                if campaign.launched_at is None or not start <= campaign.launched_at < end:
                    continue
                stats = await campaigns.stats(campaign)
                row = {key: stats.get(key, 0) for key in keys}
                row["response_rate"] = _rate(stats.get("replied", 0) if campaign.kind ==
                                             "message" else stats.get("responses", 0),
                                             stats.get("sent", 0))
                listed.append({"id": campaign.id, "name": campaign.name, "kind": campaign.kind,
                               "status": campaign.status, **row})
                for key in keys:
                    totals[key] += row[key]
            if len(page) < 200:
                break
            after = page[-1].id
        return {"count": len(listed), **totals,
                "response_rate": _rate(totals["replied"] + totals["responses"],
                                       totals["sent"]),
                "items": listed}

    async def kpis(self, start: datetime, end: datetime, *,
                   campaigns: dict[str, Any] | None = None,
                   surveys: dict[str, Any] | None = None) -> dict[str, Any]:
        _check_period(start, end)
        figures = await self._store.analytics.kpi_figures(start, end)
        calls = figures.calls
        agents = len(calls.per_agent)
        return {
            "from": iso(start), "to": iso(end),
            "calls": {
                "count": calls.count,
                "avg_duration_s": _avg(calls.duration_total_s, calls.duration_count),
                "avg_wait_s": _avg(calls.wait_total_s, calls.wait_count),
                "per_agent": calls.per_agent,
                "agents": agents,
                "avg_per_agent": _avg(sum(calls.per_agent.values()), agents),
            },
            "messages": figures.messages,
            "first_response_s": _first_responses(figures.responses),
            "consent_changes": figures.consent_changes,
            "campaigns": campaigns if campaigns is not None else {},
            "surveys": surveys if surveys is not None else {},
        }


def _first_responses(responses: ResponseWaits) -> dict[str, Any]:
    """Staff's first response to inbound messages: from the first inbound message of a waiting
    stretch (in the period) to the next staff answer (a reply or a call), in seconds."""
    waits = [ms / 1000 for ms in responses.waits_ms]
    return {"count": len(waits), "unanswered": responses.unanswered,
            "median": _percentile(waits, 0.5), "p90": _percentile(waits, 0.9)}


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _avg(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation (the median of 1, 2, 3, 4 is 2.5)."""
    if not values:
        return None
    position = (len(values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 1)

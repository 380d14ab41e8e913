"""The pyramid, migration matrix and KPIs (campaigns.analytics) on each backend, over the
hand-checked data set of test_analytics."""

from __future__ import annotations

from datetime import timedelta

from campaigns.analytics import AnalyticsService, TierBounds, assign_tiers
from hub.domain.analytics import PartyRevenue
from hub.domain.events import CallInfo
from hub.ports import Store
from tests.contracts.test_analytics import Y2024, Y2025, Y2026, World, day, event, world

__all__ = ["world"]


async def test_pyramid_of_2025(store: Store, world: World) -> None:
    got = await AnalyticsService(store).pyramid(Y2025, Y2026)
    # customers P1 150.00, P2 30.00, P4 20.00: of 3, the top 1% rounds up to P1 alone
    assert got["customers"] == 3 and got["revenue"] == 200.0
    assert got["top20_share"] == 0.75  # P1 is the top 20% (1 of 3): 150 of 200
    tiers = {row["tier"]: row for row in got["tiers"]}
    assert tiers["top"] == {"tier": "top", "customers": 1, "revenue": 150.0, "share": 0.75}
    assert tiers["large"]["customers"] == tiers["medium"]["customers"] == 0
    assert tiers["small"] == {"tier": "small", "customers": 2, "revenue": 50.0, "share": 0.25}
    assert tiers["inactive"]["customers"] == 1  # P3 bought in 2024 only
    assert tiers["prospect"]["customers"] == 1  # P5 (refunded to 0)
    households = await AnalyticsService(store).pyramid(Y2025, Y2026, level="household")
    assert households["customers"] == 2 and households["revenue"] == 220.0


async def test_migration_2024_to_2025(store: Store, world: World) -> None:
    got = await AnalyticsService(store).migration((Y2024, Y2025), (Y2025, Y2026))
    # 2024: P3 top, P2 small. 2025: P1 top, P2 small, P4 small
    assert got["matrix"]["top"]["none"] == 1  # P3 lost
    assert got["matrix"]["small"]["small"] == 1  # P2 retained
    assert got["matrix"]["none"]["top"] == 1 and got["matrix"]["none"]["small"] == 1
    assert (got["acquired"], got["retained"], got["lost"]) == (2, 1, 1)
    assert (got["upgraded"], got["downgraded"]) == (0, 0)
    assert got["retention_rate"] == 0.5


async def test_refresh_stores_tiers_for_segments(store: Store, world: World) -> None:
    written = await AnalyticsService(store).refresh_tiers(Y2025, Y2026, levels=["person"])
    assert written == {"person": 5}
    tiers = {p.name: p.attributes["pyramid_tier"]
             for p in await store.persons.get_many([p.id for p in world.p])}
    assert tiers == {"P1": "top", "P2": "small", "P3": "inactive", "P4": "small",
                     "P5": "prospect"}


async def test_kpis(store: Store, world: World) -> None:
    p1, p2 = world.p[0], world.p[1]
    t = day(3)
    await store.events.append_many([
        event(p1, "call", "inbound", t, call=CallInfo(duration_s=100, wait_s=10, agent="Ann")),
        event(p2, "call", "inbound", t + timedelta(seconds=300),
              call=CallInfo(duration_s=300, wait_s=50, agent="Bob")),
        event(p1, "email", "inbound", t - timedelta(seconds=60)),
        event(p1, "email", "inbound", t - timedelta(seconds=30)),  # same waiting stretch
        event(p2, "sms", "inbound", t),
        event(world.p[3], "sms", "inbound", t),  # never answered
    ])
    got = await AnalyticsService(store).kpis(Y2025, Y2026)
    assert got["calls"]["count"] == 2 and got["calls"]["avg_duration_s"] == 200.0
    assert got["calls"]["avg_wait_s"] == 30.0 and got["calls"]["per_agent"] == {"Ann": 1,
                                                                                "Bob": 1}
    # P1 waited 60 s (to the call), P2 300 s: median 180
    assert got["first_response_s"] == {"count": 2, "unanswered": 1, "median": 180.0,
                                       "p90": 276.0}
    assert got["messages"] == {"email": {"inbound": 2}, "sms": {"inbound": 2}}


def test_tier_bounds_on_100_customers() -> None:
    ranked = [PartyRevenue(f"c{i:03d}", 1000 - i) for i in range(100)]
    tiers = list(assign_tiers(ranked, TierBounds()).values())
    assert [tiers.count(t) for t in ("top", "large", "medium", "small")] == [1, 4, 15, 80]
    wider = list(assign_tiers(ranked, TierBounds(top=0.1, large=0.1, medium=0.3)).values())
    assert [wider.count(t) for t in ("top", "large", "medium", "small")] == [10, 10, 30, 50]

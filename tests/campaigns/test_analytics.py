"""Analytics through the API and the command line (issue 7): field names of the contract,
bad periods as 4xx, roles; `hub import transactions` with its per-line report and
`hub analytics refresh`; and the pyramid and migration matrix on `hub demo` data against an
independent computation in plain Python over the generated rows."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.config import load_settings
from hub.demo import build_plan, generate_demo
from hub.store import create_store
from tests.web.conftest import Api

M = "marketing"


async def test_pyramid_migration_and_kpis_answer_with_the_contract_fields(api: Api) -> None:
    ids = []
    for name in ("Ann", "Bob", "Cor"):
        _, person = await api.call("POST", "/api/v1/persons", json={"name": name})
        ids.append(person["id"])
    status, counts = await api.call("POST", "/api/v1/transactions", role=M, json=[
        {"person_id": ids[0], "amount": "900.00", "occurred_at": "2025-03-01T10:00:00Z",
         "external_id": "t1"},
        {"person_id": ids[1], "amount": "100.00", "occurred_at": "2025-04-01T10:00:00Z",
         "external_id": "t2"},
        {"person_id": ids[2], "amount": "50.00", "occurred_at": "2024-04-01T10:00:00Z",
         "external_id": "t3"}])
    assert status == 200 and counts == {"imported": 3, "duplicates": 0}

    status, pyramid = await api.call("GET", "/api/v1/analytics/pyramid", role=M,
                                     params={"from": "2025-01-01", "to": "2026-01-01"})
    assert status == 200, pyramid
    assert pyramid["customers"] == 2 and pyramid["revenue"] == 1000.0
    assert pyramid["top20_share"] == 0.9
    assert [t["tier"] for t in pyramid["tiers"]] == ["top", "large", "medium", "small",
                                                     "inactive", "prospect"]
    assert set(pyramid["tiers"][0]) >= {"tier", "customers", "revenue", "share"}

    status, moved = await api.call("GET", "/api/v1/analytics/migration", role=M, params={
        "from1": "2024-01-01", "to1": "2025-01-01", "from2": "2025-01-01", "to2": "2026-01-01"})
    assert status == 200, moved
    assert (moved["acquired"], moved["retained"], moved["lost"]) == (2, 0, 1)
    assert moved["retention_rate"] == 0.0 and moved["matrix"]["top"]["none"] == 1

    status, kpis = await api.call("GET", "/api/v1/analytics/kpis", role=M)
    assert status == 200, kpis
    assert set(kpis["calls"]) >= {"count", "avg_duration_s", "avg_wait_s", "per_agent"}
    assert {"messages", "first_response_s", "campaigns", "surveys"} <= set(kpis)

    for params in ({"from": "2026-01-01", "to": "2025-01-01"}, {"from": "yesterday"},
                   {"level": "galaxy"}, {"top": "2"}, {"top": "0.5", "large": "0.4",
                                                       "medium": "0.3"}):
        status, body = await api.call("GET", "/api/v1/analytics/pyramid", role=M,
                                      params=params)
        assert 400 <= status < 500, (params, body)
    status, _ = await api.call("GET", "/api/v1/analytics/migration", role=M,
                               params={"from1": "2024-01-01"})
    assert status == 422
    status, _ = await api.call("GET", "/api/v1/analytics/pyramid", role="service")
    assert status == 403


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


async def test_import_transactions_csv_and_refresh(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
           "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_LOG_LEVEL": "WARNING"}
    settings = load_settings(env, dotenv=None)
    store = await create_store(settings)
    try:
        from hub.domain.parties import Person

        await store.persons.insert(Person(id="p-ann", name="Ann"))
        await store.persons.insert(Person(id="p-bob", name="Bob", emails=["bob@example.org"]))
        from hub.domain.identities import Identity

        await store.identities.insert(Identity(kind="email", value="bob@example.org",
                                               person_id="p-bob"))
    finally:
        await store.close()
    recent = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    csv = tmp_path / "tx.csv"
    csv.write_text(
        "external_id,amount,currency,occurred_at,person_id,email\n"
        f"a1,120.50,EUR,{recent},p-ann,\n"
        f"a2,\"9,95\",EUR,{recent},,BOB@example.org\n"
        f"a3,ten,EUR,{recent},p-ann,\n"
        f"a4,5.00,EUR,not a time,p-ann,\n"
        f"a5,5.00,EUR,{recent},p-nobody,\n"
        f"a1,120.50,EUR,{recent},p-ann,\n", encoding="utf-8")
    first = hub(env, "import", "transactions", str(csv))
    assert first.returncode == 1, first.stderr  # some lines were rejected
    out = first.stdout
    assert "line 4: rejected: amount 'ten' is not a number" in out
    assert "line 5: rejected: occurred_at 'not a time' is not an ISO 8601 time" in out
    assert "line 6: rejected: unknown person_id p-nobody" in out
    assert "6 lines: 2 imported, 1 duplicates, 3 rejected" in out
    assert "6/6 lines" in first.stderr  # the progress bar
    assert "Pyramid tiers" in out
    again = hub(env, "import", "transactions", str(csv))
    assert "6 lines: 0 imported, 3 duplicates, 3 rejected" in again.stdout
    assert hub(env, "import", "transactions", str(tmp_path / "missing.csv")).returncode == 66

    refreshed = hub(env, "analytics", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    store = await create_store(settings)
    try:
        ann, bob = await store.persons.get_many(["p-ann", "p-bob"])
        assert ann.attributes["pyramid_tier"] == "top"  # 120.50 of 2 customers: the top 1%
        assert bob.attributes["pyramid_tier"] == "small"
    finally:
        await store.close()
    bad = hub(env, "analytics", "refresh", "--from", "soon")
    assert bad.returncode == 1 and "ISO 8601" in bad.stderr


def tiers_by_hand(revenue: dict[str, int]) -> tuple[dict[str, str], float]:
    """The pyramid from first principles: rank, cut at 1/5/20 % (rounded up), 80/20 share."""
    ranked = sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))
    n = len(ranked)
    cuts = [math.ceil(round(n * share, 9)) for share in (0.01, 0.05, 0.20)]
    tiers = {}
    for i, (party, _) in enumerate(ranked):
        tiers[party] = ("top" if i < cuts[0] else "large" if i < cuts[1] else
                        "medium" if i < cuts[2] else "small")
    total = sum(revenue.values())
    top = sum(v for _, v in ranked[:cuts[2]])
    return tiers, round(top / total, 4)


async def test_demo_pyramid_and_migration_match_an_independent_computation(
        tmp_path: Path) -> None:
    from campaigns.analytics import AnalyticsService

    today = date(2026, 6, 1)
    settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                              "HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)
    store = await create_store(settings)
    try:
        await generate_demo(store, persons=300, seed=7, today=today)
        plan = build_plan(persons=300, seed=7, region="NL", today=today)
        end = datetime(2026, 6, 1, tzinfo=UTC)
        mid = end - timedelta(days=183)
        start = end - timedelta(days=366)

        def revenue(lo: datetime, hi: datetime) -> dict[str, int]:
            sums: dict[str, int] = {}
            for t in plan.transactions:
                if t.person_id and lo <= t.occurred_at < hi:
                    sums[t.person_id] = sums.get(t.person_id, 0) + t.amount_minor
            return {k: v for k, v in sums.items() if v > 0}

        service = AnalyticsService(store)
        got = await service.pyramid(start, end)
        year = revenue(start, end)
        tiers, share = tiers_by_hand(year)
        assert got["customers"] == len(year) > 50
        assert got["revenue"] == sum(year.values()) / 100
        assert got["top20_share"] == share and share > 0.5
        rows = {row["tier"]: row["customers"] for row in got["tiers"]}
        for tier in ("top", "large", "medium", "small"):
            assert rows[tier] == list(tiers.values()).count(tier)

        moved = await service.migration((start, mid), (mid, end))
        first, second = tiers_by_hand(revenue(start, mid))[0], tiers_by_hand(
            revenue(mid, end))[0]
        assert moved["acquired"] == len(second.keys() - first.keys())
        assert moved["lost"] == len(first.keys() - second.keys()) > 0
        assert moved["retained"] == len(first.keys() & second.keys())
        expected: dict[str, Any] = {}
        for party in first.keys() | second.keys():
            key = (first.get(party, "none"), second.get(party, "none"))
            expected[key] = expected.get(key, 0) + 1
        for (old, new), n in expected.items():
            assert moved["matrix"][old][new] == n
    finally:
        await store.close()

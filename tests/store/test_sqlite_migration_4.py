"""Migration 4 (analytics and surveys): a file with transactions written before it opens,
and a period's revenue per party is then read from the new covering index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub.domain.analytics import PartyRevenue
from hub.domain.common import iso
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from tests.contracts import factories as f


async def test_transactions_from_version_3_are_aggregated_by_index(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = await Database.connect(str(path))
    tx = [f.transaction("p1", amount_minor=500, occurred_at=datetime(2025, 5, 1, tzinfo=UTC)),
          f.transaction("p1", amount_minor=700, occurred_at=datetime(2025, 6, 1, tzinfo=UTC)),
          f.transaction("p2", amount_minor=900, occurred_at=datetime(2024, 6, 1, tzinfo=UTC))]
    try:
        assert await migrate(db, MIGRATIONS[:3]) == 3
        for t in tx:
            await db.run("INSERT INTO transactions (id, external_id, person_id, doc) "
                         "VALUES (?, ?, ?, ?)",
                         (t.id, t.external_id, t.person_id, t.model_dump_json()))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
        assert await store.analytics.revenue_by_party("person", start, end) == [
            PartyRevenue("p1", 1200)]
        plan = await store._db.rows(
            "EXPLAIN QUERY PLAN SELECT person_id, sum(amount_minor) FROM transactions "
            "WHERE person_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ? "
            "GROUP BY person_id", (iso(start), iso(end)))
        assert any("COVERING INDEX transactions_" in str(row) for row in plan), plan
        assert await store.surveys.find() == []
    finally:
        await store.close()

"""The guardrails' count of a campaign's flagged events reads only flagged events (the
partial index `events_campaign_flagged`), not every send of the campaign: checked before each
leased batch, a full read made a campaign's checks grow with the square of its audience."""

from __future__ import annotations

from pathlib import Path

from hub.domain.common import new_id
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_flagged import FALLBACK_CONDITION, FLAGGED_CONDITION, OPTED_OUT_CONDITION
from tests.contracts import factories as f


async def test_flagged_count_uses_the_flagged_index_and_sees_a_new_flag(tmp_path: Path) -> None:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        campaign_id, person_id = new_id(), new_id()
        sends = [f.event(person_id, channel="email", direction="outbound",
                         campaign_id=campaign_id, occurred_at=f.at(i)) for i in range(3)]
        for event in sends:
            await store.events.append(event)
        plan = await store._db.rows(
            "EXPLAIN QUERY PLAN SELECT count(DISTINCT person_id) FROM events "
            f"WHERE campaign_id = ? AND direction = ? AND person_id IS NOT NULL "
            f"AND {FLAGGED_CONDITION}", (campaign_id, "outbound"))
        assert any("events_campaign_flagged" in str(row) for row in plan), plan
        assert await store.events.count_campaign_flagged(
            campaign_id, "refused", direction="outbound") == 0
        refused = sends[1].model_copy(update={"data": {**sends[1].data,
                                                       "flags": ["hard_bounce", "refused"]}})
        await store.events.replace(refused)
        assert await store.events.count_campaign_flagged(
            campaign_id, "refused", direction="outbound") == 1
        assert await store.events.count_campaign_flagged(
            campaign_id, "complaint", direction="outbound") == 0
    finally:
        await store.close()


async def test_delivery_counts_read_only_the_opted_out_and_fallback_rows(tmp_path: Path
                                                                         ) -> None:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        for condition, index in ((OPTED_OUT_CONDITION, "deliveries_opted_out"),
                                 (FALLBACK_CONDITION, "deliveries_fallback")):
            plan = await store._db.rows(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM deliveries "
                f"WHERE campaign_id = ? AND {condition}", ("c1",))
            assert any(index in str(row) for row in plan), plan
    finally:
        await store.close()

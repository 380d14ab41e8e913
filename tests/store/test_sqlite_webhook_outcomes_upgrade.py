"""A database from before the delivery state moved to columns opens with each delivery's
attempts and last outcome as its document had them (the migration copies them over), and
its log reads as before."""

from __future__ import annotations

from pathlib import Path

from hub.domain.common import iso
from hub.domain.webhooks import WebhookDelivery
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from hub.store.sqlite_webhooks import V_WEBHOOK_OUTCOMES
from tests.contracts import factories as f

BEFORE = MIGRATIONS.index(V_WEBHOOK_OUTCOMES)
OLD = WebhookDelivery(id="msg_1", subscription_id="s1", event_id="e1", type="person.created",
                      occurred_at=f.at(1), data={"person_id": "p1"}, state="pending",
                      attempts=3, response_status=500, error="the target answered 500",
                      latency_ms=4.5, next_attempt_at=f.at(90))


async def test_old_deliveries_keep_their_attempts_and_last_outcome(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = await Database.connect(str(path))
    try:
        assert await migrate(db, MIGRATIONS[:BEFORE]) == BEFORE
        await db.run(
            "INSERT INTO webhook_deliveries (id, subscription_id, event_id, state, "
            "occurred_at, next_attempt_at, lease_owner, lease_until, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
            (OLD.id, OLD.subscription_id, OLD.event_id, OLD.state, iso(OLD.occurred_at),
             iso(OLD.next_attempt_at), OLD.model_dump_json()))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        assert await store.webhooks.get_delivery(OLD.id) == OLD
        [taken] = await store.webhooks.lease("s1", owner="w", now=f.at(100), until=f.at(160),
                                             limit=5)
        assert taken.attempts == 3
    finally:
        await store.close()

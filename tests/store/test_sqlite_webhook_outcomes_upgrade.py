"""A database from before the delivery state moved to columns (and payloads to one row per
event) opens with each delivery's attempts, last outcome and payload as its document had
them, an erased one still erased (never replayed), and its log reads as before."""

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
ERASED = WebhookDelivery(id="msg_2", subscription_id="s1", event_id="e2", type="person.created",
                         occurred_at=f.at(2), state="delivered", attempts=1, erased=True,
                         response_status=204, delivered_at=f.at(3))


async def test_old_deliveries_keep_their_attempts_and_last_outcome(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = await Database.connect(str(path))
    try:
        assert await migrate(db, MIGRATIONS[:BEFORE]) == BEFORE
        for d in (OLD, ERASED):
            await db.run(
                "INSERT INTO webhook_deliveries (id, subscription_id, event_id, state, "
                "occurred_at, next_attempt_at, lease_owner, lease_until, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                (d.id, d.subscription_id, d.event_id, d.state, iso(d.occurred_at),
                 iso(d.next_attempt_at), d.model_dump_json()))
    finally:
        await db.close()
    store = await open_sqlite_store(f"sqlite:///{path}")
    try:
        assert await store.webhooks.get_delivery(OLD.id) == OLD
        assert await store.webhooks.get_delivery(ERASED.id) == ERASED
        assert await store.webhooks.replay("s1", delivery_id=ERASED.id, now=f.at(99)) == 0
        [taken] = await store.webhooks.lease("s1", owner="w", now=f.at(100), until=f.at(160),
                                             limit=5)
        assert taken.attempts == 3
    finally:
        await store.close()

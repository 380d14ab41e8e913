"""Pruning the webhook delivery log on SQLite walks the table window by window (each its own
short write) and finds every finished delivery past the retention, whichever window it is
in; an event's payload row goes with its last delivery, deleted subscriptions' included."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.domain.common import new_id
from hub.store import sqlite_webhooks
from hub.store.sqlite import open_sqlite_store
from tests.contracts import factories as f
from tests.contracts.test_webhooks import delivery


async def test_pruning_walks_every_window_and_drops_payloads_with_their_last_delivery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_webhooks, "PRUNE_SCAN", 3)
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        first, second = new_id(), new_id()  # no subscription rows: as after deleting them
        old = [delivery(first, n, state="delivered", delivered_at=f.at(n)) for n in range(8)]
        open_ = delivery(first, 9)
        kept = delivery(second, 1, event_id=old[5].event_id)  # still open: keeps the payload
        await store.webhooks.add_deliveries([*old[:4], open_, *old[4:], kept])
        assert await store.webhooks.prune_deliveries(before=f.at(30)) == 8
        payloads = {row[0] for row in await store._db.rows(
            "SELECT event_id FROM webhook_payloads")}
        assert payloads == {open_.event_id, old[5].event_id}
        assert [d.id for d in await store.webhooks.deliveries(first, limit=20)] == [open_.id]
        assert await store.webhooks.prune_deliveries(before=f.at(30)) == 0
    finally:
        await store.close()

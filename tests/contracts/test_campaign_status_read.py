"""`campaigns.status_of`: the stored status alone, on every backend, as the dispatch worker
reads it before each hand-over (a pause by anyone shows in the next read)."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts.test_campaign_repos import campaign


async def test_status_of_reads_the_stored_status(store: Store) -> None:
    spring = campaign(status="running")
    await store.campaigns.insert(spring)
    assert await store.campaigns.status_of(spring.id) == "running"
    assert await store.campaigns.set_status(spring.id, "paused", expected=["running"])
    assert await store.campaigns.status_of(spring.id) == "paused"
    assert await store.campaigns.status_of(new_id()) is None


async def test_status_of_follows_a_replace(store: Store) -> None:
    spring = campaign(status="draft")
    await store.campaigns.insert(spring)
    await store.campaigns.replace(spring.model_copy(update={"status": "cancelled"}))
    assert await store.campaigns.status_of(spring.id) == "cancelled"

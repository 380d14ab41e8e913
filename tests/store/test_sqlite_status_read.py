"""`campaigns.status_of` on a SQLite file reads through the store's reader (a second,
read-only connection): it sees every commit (another process's pause too), never a write still
under way, and never waits for that write."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.errors import StoreUnavailable
from hub.ports import Store
from hub.store import create_store
from tests.contracts.test_campaign_repos import campaign


async def _open(path: Path) -> Store:
    return await create_store(load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{path}/hub.db", "HUB_VAR_DIR": str(path),
        "HUB_SECRET_KEY": "k" * 32}, dotenv=None))


async def test_a_pause_committed_by_another_process_is_read_at_once(
        store: Store, tmp_path: Path) -> None:
    spring = campaign(status="running")
    await store.campaigns.insert(spring)
    assert await store.campaigns.status_of(spring.id) == "running"
    other = await _open(tmp_path)  # the API process, say, on the same file
    try:
        assert await other.campaigns.set_status(spring.id, "paused", expected=["running"])
    finally:
        await other.close()
    assert await store.campaigns.status_of(spring.id) == "paused"


async def test_a_write_under_way_is_neither_seen_nor_waited_for(store: Store) -> None:
    spring = campaign(status="running")
    await store.campaigns.insert(spring)
    db = store._db  # type: ignore[attr-defined]  # the store's one connection
    async with db.transaction() as session:  # holds the file's write lock
        await session.run("UPDATE campaigns SET status = 'paused' WHERE id = ?", (spring.id,))
        read = await asyncio.wait_for(store.campaigns.status_of(spring.id), 1)
        assert read == "running"  # the last commit, not the write in progress
    assert await store.campaigns.status_of(spring.id) == "paused"


async def test_a_closed_store_says_so(tmp_path: Path) -> None:
    opened = await _open(tmp_path)
    spring = campaign(status="running")
    await opened.campaigns.insert(spring)
    assert await opened.campaigns.status_of(spring.id) == "running"
    await opened.close()
    with pytest.raises(StoreUnavailable):
        await opened.campaigns.status_of(spring.id)

"""`Database.atomically` commits writes that queue up together in one transaction; each caller
still sees only its own outcome, and a caller that gives up before its write ran leaves no
trace. (The dispatch worker's per-send writes rely on this.)"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hub.store.sqlite_db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(str(tmp_path / "group.db"))
    await database.run("CREATE TABLE t (k TEXT PRIMARY KEY)")
    yield database
    await database.close()


def insert(key: str) -> Callable[[sqlite3.Connection], str]:
    def work(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO t (k) VALUES (?)", (key,))
        return key
    return work


async def keys(db: Database) -> set[str]:
    return {k for (k,) in await db.rows("SELECT k FROM t")}


async def test_a_failing_write_fails_alone(db: Database) -> None:
    results = await asyncio.gather(
        *(db.atomically(insert(f"k{n}")) for n in range(20)),
        db.atomically(insert("k3")),  # a duplicate key in the same group
        return_exceptions=True,
    )
    assert results[:20] == [f"k{n}" for n in range(20)]
    assert isinstance(results[20], Exception)
    assert await keys(db) == {f"k{n}" for n in range(20)}


async def test_a_write_that_raises_rolls_back_its_own_statements(db: Database) -> None:
    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (k) VALUES ('half')")
        raise ValueError("changed my mind")

    results = await asyncio.gather(db.atomically(insert("a")), db.atomically(half_then_fail),
                                   db.atomically(insert("b")), return_exceptions=True)
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], ValueError)
    assert await keys(db) == {"a", "b"}


async def test_a_caller_cancelled_while_queued_never_writes(db: Database) -> None:
    async with db.session():  # hold the connection so the next write has to queue
        waiting = asyncio.create_task(db.atomically(insert("never")))
        await asyncio.sleep(0.05)
        waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await db.atomically(insert("after")) == "after"
    assert await keys(db) == {"after"}

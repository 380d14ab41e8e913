"""Single statements (`Database.rows`, `value`, `run`) that queue up while the connection is
busy go to its thread together; each still runs as if by itself: its own result, its own
error, its own commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.errors import DuplicateKey
from hub.store.sqlite_db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(str(tmp_path / "single.db"))
    await database.run("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)")
    yield database
    await database.close()


async def test_queued_statements_share_a_hop_and_keep_their_own_outcomes(
        db: Database) -> None:
    hops: list[int] = []
    execute = db._conn._execute

    async def counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(1)
        return await execute(fn, *args, **kwargs)

    db._conn._execute = counted  # type: ignore[method-assign]
    outcomes = await asyncio.gather(
        *(db.run("INSERT INTO t (k, n) VALUES (?, ?)", (f"k{i}", i)) for i in range(20)),
        db.run("INSERT INTO t (k, n) VALUES ('k3', 0)"),  # taken: fails alone
        db.value("SELECT n FROM t WHERE k = 'k7'"),
        db.rows("SELECT k FROM t WHERE n >= 18 ORDER BY k"),
        return_exceptions=True)
    assert outcomes[:20] == [1] * 20
    assert isinstance(outcomes[20], DuplicateKey)
    assert outcomes[21] == 7 and outcomes[22] == [("k18",), ("k19",)]
    assert len(hops) < 10  # one per group, not one per statement
    assert await db.value("SELECT count(*) FROM t") == 20  # each committed on its own


async def test_a_caller_that_gives_up_before_its_turn_leaves_no_trace(db: Database) -> None:
    async with db.session():  # the connection is busy: the statements queue up
        waiting = [asyncio.ensure_future(db.run("INSERT INTO t (k, n) VALUES (?, 1)",
                                                (f"w{i}",))) for i in range(5)]
        await asyncio.sleep(0)
        waiting[2].cancel()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert [o for i, o in enumerate(outcomes) if i != 2] == [1, 1, 1, 1]
    assert isinstance(outcomes[2], asyncio.CancelledError)
    assert [k for (k,) in await db.rows("SELECT k FROM t ORDER BY k")] == [
        "w0", "w1", "w3", "w4"]

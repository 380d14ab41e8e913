"""A second SQLite connection for reads that may be slow (segment counts and samples), with a
time budget per statement.

The store's main connection serves every request one statement at a time; a segment filter
that scans for a minute there would make `/healthz`, log-ins and webhooks wait that minute.
WAL lets a second connection read a consistent snapshot while the first one writes, so long
reads go here, on their own thread and lock. A statement gets a deadline through SQLite's
progress handler (called every few thousand virtual-machine steps); past it, SQLite interrupts
the statement and `FilterTooExpensive` tells the caller to simplify the filter.

An in-memory database cannot be opened twice, so there the reader shares the main connection
(the budget still holds)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite

from hub.errors import FilterTooExpensive, StoreUnavailable
from hub.i18n import N_
from hub.store.sqlite_db import BUSY_TIMEOUT_MS, Database, Params, translated_errors

PROGRESS_STEPS = 5000
"""How many SQLite VM steps between two looks at the clock (microseconds of work)."""


def _fetch_within(conn: sqlite3.Connection, sql: str, params: Params,
                  deadline: float | None) -> list[tuple[Any, ...]]:
    """Run on the connection's own thread: the rows, or `interrupted` past the deadline."""
    if deadline is not None:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        if deadline is not None:
            conn.set_progress_handler(None, 0)


class Reader:
    def __init__(self, conn: aiosqlite.Connection, lock: asyncio.Lock, *, own: bool) -> None:
        self._conn = conn
        self._lock = lock
        self._own = own
        self._closed = False

    @classmethod
    async def open(cls, db: Database) -> Reader:
        if db.location == ":memory:":
            conn, lock = db.shared_connection()
            return cls(conn, lock, own=False)
        conn = await aiosqlite.connect(db.location, isolation_level=None)
        try:
            await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute_fetchall("PRAGMA query_only = ON")
        except BaseException:
            await conn.close()
            raise
        return cls(conn, asyncio.Lock(), own=True)

    @contextlib.asynccontextmanager
    async def _using(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            if self._closed:
                raise StoreUnavailable("the SQLite store is closed")
            yield self._conn

    async def rows(self, sql: str, params: Params = (), *,
                   budget: float | None = None) -> list[tuple[Any, ...]]:
        """The rows of one read; FilterTooExpensive when it runs past `budget` seconds."""
        deadline = None if budget is None else time.monotonic() + budget
        async with self._using() as conn:
            # the progress handler does not run while SQLite prepares a statement: a timer
            # interrupts that phase (sqlite3_interrupt may be called from any thread)
            timer = None if budget is None else asyncio.get_running_loop().call_later(
                budget, conn._conn.interrupt)
            try:
                with translated_errors():
                    # aiosqlite's queue to its thread (as Database.atomically does): the whole
                    # statement, handler and all, runs there
                    return await conn._execute(
                        _fetch_within, conn._conn, sql, params, deadline)
            except StoreUnavailable as exc:
                if deadline is not None and "interrupted" in str(exc):
                    raise FilterTooExpensive(N_(
                        "This filter is too expensive: counting it took longer than allowed. "
                        "Use fewer conditions or shorter lists of values."),
                        details={"budget_seconds": budget}) from exc
                raise
            finally:
                if timer is not None:
                    timer.cancel()

    async def close(self) -> None:
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._own:
                await self._conn.close()

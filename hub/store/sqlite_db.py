"""The one aiosqlite connection behind the SQLite store, with its lock and error translation.

aiosqlite runs every statement on one worker thread, so statements never run in parallel
anyway. What it does not do is keep a multi-statement transaction to itself: between two
awaits another coroutine's statement could land inside it (and be rolled back with it). So
every use of the connection goes through `Database.session()` or `Database.transaction()`,
which hold one asyncio lock: one user of the connection at a time, no dirty reads.

Vendor errors stop here: a taken unique key becomes `DuplicateKey`, an operational failure
(locked, disk full, I/O error, read-only file) becomes `StoreUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

import aiosqlite

from hub.errors import DuplicateKey, StoreUnavailable

Params = Sequence[Any]
T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another process's write lock before giving up."""


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn sqlite3 errors into hub errors (`raise … from`), so none escape the store."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        message = str(exc)
        if message.startswith("UNIQUE constraint failed") or "PRIMARY KEY" in message:
            key = message.partition(": ")[2]
            raise DuplicateKey(f"duplicate key: {key}", details={"key": key}) from exc
        raise
    except sqlite3.OperationalError as exc:
        raise StoreUnavailable(f"SQLite store unavailable: {exc}") from exc


def _run_batch(conn: sqlite3.Connection,
               works: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """Each work in its own savepoint, all in one transaction: (True, result) or
    (False, exception) per work, in order. A failed BEGIN or COMMIT raises for all."""
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            conn.execute("SAVEPOINT work")
            try:
                outcomes.append((True, work(conn)))
            except Exception as exc:
                conn.execute("ROLLBACK TO work")
                outcomes.append((False, exc))
            conn.execute("RELEASE work")
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _run_each(conn: sqlite3.Connection,
              works: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """Each work on its own, in order, in autocommit (each statement commits alone, as if
    run by itself): (True, result) or (False, exception) per work."""
    outcomes: list[tuple[bool, Any]] = []
    for work in works:
        try:
            outcomes.append((True, work(conn)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _settle(batch: list[tuple[Any, asyncio.Future[Any]]],
            done: asyncio.Future[list[tuple[bool, Any]]]) -> None:
    """Hand each caller in a group commit its own outcome."""
    for index, (_, waiting) in enumerate(batch):
        if waiting.done():
            continue
        if done.cancelled():
            waiting.cancel()
        elif done.exception() is not None:
            waiting.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            ok, value = done.result()[index]
            if ok:
                waiting.set_result(value)
            else:
                waiting.set_exception(value)


def _changed(execute: Callable[[str, Any], sqlite3.Cursor], sql: str, params: Any) -> int:
    """Run on the connection's thread: the rows a write changed, its cursor closed."""
    cursor = execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


class Session:
    """Statements on the connection, for a caller that holds the database lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        # No row_factory is set, so rows are plain tuples.
        return cast(list[tuple[Any, ...]], list(await self._conn.execute_fetchall(sql, params)))

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        rows = await self.rows(sql, params)
        return rows[0] if rows else None

    async def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def run(self, sql: str, params: Params = ()) -> int:
        """Execute a write; returns how many rows it changed. One hop to the connection's
        thread (aiosqlite's cursor would take a second one to close itself)."""
        return cast(int, await self._conn._execute(_changed, self._conn._conn.execute,
                                                   sql, params))

    async def run_many(self, sql: str, seq_of_params: Iterable[Params]) -> int:
        """Execute a write once per parameter set; returns how many rows changed in all."""
        return cast(int, await self._conn._execute(_changed, self._conn._conn.executemany,
                                                   sql, seq_of_params))


class Database:
    """Owns the connection; hands out sessions one at a time."""

    def __init__(self, conn: aiosqlite.Connection, location: str) -> None:
        self.location = location
        self._conn = conn
        self._session = Session(conn)
        self._lock = asyncio.Lock()
        self._closed = False
        self._batches: set[asyncio.Future[Any]] = set()
        self._queued: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._singles: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._drainer: asyncio.Future[None] | None = None

    @classmethod
    async def connect(cls, location: str) -> Database:
        """Open `location` in autocommit mode (transactions are explicit) with our pragmas."""
        conn = await aiosqlite.connect(location, isolation_level=None)
        try:
            await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            await conn.execute_fetchall("PRAGMA synchronous = NORMAL")
            await conn.execute_fetchall("PRAGMA foreign_keys = ON")
            # erased or overwritten data is zeroed in the file, not left in free space
            await conn.execute_fetchall("PRAGMA secure_delete = ON")
            await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except BaseException:
            await conn.close()
            raise
        return cls(conn, location)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """Exclusive use of the connection; each statement commits on its own."""
        async with self._lock:
            if self._closed:
                raise StoreUnavailable("the SQLite store is closed")
            with translated_errors():
                yield self._session

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """Exclusive use of the connection inside BEGIN IMMEDIATE … COMMIT (rolled back on error).

        IMMEDIATE takes the file's write lock up front, so two processes never deadlock
        upgrading a read transaction to a write.
        """
        async with self.session() as session:
            await session.run("BEGIN IMMEDIATE")
            try:
                yield session
                await session.run("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await session.run("ROLLBACK")
                raise

    async def atomically(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` inside BEGIN IMMEDIATE … COMMIT (rolled back when it raises),
        run on the connection's own thread: several statements for one hop to that thread
        instead of one per statement (the dispatch worker's per-send writes).

        Group commit: works that queue up while the connection is busy run in the next
        caller's one transaction, each in its own savepoint (a work that raises is rolled
        back alone). Every caller returns only after the COMMIT that holds its work."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry: tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]] = (work, future)
        self._queued.append(entry)
        try:
            async with self.session():
                if entry in self._queued:  # nobody took it yet: run everything queued
                    batch, self._queued = self._queued, []
                    # aiosqlite's queue to its thread; the lock above keeps the connection ours
                    running = asyncio.ensure_future(  # noqa: RUF006  # kept in _batches
                        self._conn._execute(_run_batch, self._conn._conn, [w for w, _ in batch]))
                    self._batches.add(running)  # referenced until it settles
                    running.add_done_callback(self._batches.discard)
                    running.add_done_callback(lambda done: _settle(batch, done))
                    # a cancelled caller stops waiting; the batch still settles every future
                    await asyncio.shield(running)
        except BaseException:
            if entry in self._queued:  # it never ran and never will
                self._queued.remove(entry)
            raise
        with translated_errors():
            return cast(T, await future)  # done, or in a batch a cancelled caller started

    async def reading(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on the connection's own thread, for reads: several SELECTs in
        one hop to that thread instead of one hop each (no transaction, no write lock)."""
        async with self.session():
            return cast(T, await self._conn._execute(work, self._conn._conn))

    def shared_connection(self) -> tuple[aiosqlite.Connection, asyncio.Lock]:
        """The connection and its lock, for a reader that cannot open its own (in memory)."""
        return self._conn, self._lock

    async def one_by_one(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on the connection's thread in autocommit, as a statement run by
        itself. Works that queue up while the connection is busy go to its thread together,
        one hop for the group instead of one each (the hop, not the statement, is most of
        the cost of a small read: under load an inbound webhook's dozen single statements
        were mostly thread hand-overs). Each caller gets its own result or error, and waits
        for nothing but that: one task takes the queue to the thread, group after group."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry: tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]] = (work, future)
        self._singles.append(entry)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.ensure_future(self._drain_singles())
        try:
            with translated_errors():
                return cast(T, await future)
        except asyncio.CancelledError:
            if entry in self._singles:  # it never ran and never will
                self._singles.remove(entry)
            raise

    async def _drain_singles(self) -> None:
        while self._singles:
            batch: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
            try:
                async with self.session():
                    # a caller cancelled meanwhile has a cancelled future: its work never runs
                    batch = [entry for entry in self._singles if not entry[1].done()]
                    self._singles = []
                    outcomes = await self._conn._execute(_run_each, self._conn._conn,
                                                         [w for w, _ in batch])
            except asyncio.CancelledError:
                for _, waiting in [*batch, *self._singles]:
                    waiting.cancel()
                self._singles = []
                raise
            except Exception as exc:  # closed, or the thread failed: nobody's work is done
                if not batch:
                    batch, self._singles = self._singles, []
                for _, waiting in batch:
                    if not waiting.done():
                        waiting.set_exception(exc)
                continue
            for (_, waiting), (ok, value) in zip(batch, outcomes, strict=True):
                if waiting.done():
                    continue
                if ok:
                    waiting.set_result(value)
                else:
                    waiting.set_exception(value)

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return await self.one_by_one(lambda conn: conn.execute(sql, params).fetchall())

    async def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = await self.rows(sql, params)  # every row read: the statement is done
        return rows[0][0] if rows else None

    async def run(self, sql: str, params: Params = ()) -> int:
        """Execute a write; returns how many rows it changed."""
        def changed(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(sql, params)
            try:
                return cursor.rowcount
            finally:
                cursor.close()
        return await self.one_by_one(changed)

    async def close(self) -> None:
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            with contextlib.suppress(sqlite3.Error):
                # Refresh the planner's statistics where they drifted (cheap; SQLite's advice).
                await self._conn.execute_fetchall("PRAGMA optimize")
            await self._conn.close()

"""Store backends under test, each opened on fresh, throw-away databases (see conftest)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hub.ports import Store

MONGODB_URL = os.environ.get("HUB_TEST_MONGODB_URL", "")
BACKEND_IDS = ["sqlite", "mongomock", "secantus"] + (["mongodb"] if MONGODB_URL else [])
SERVER_BACKENDS = ("secantus", "mongodb")
"""The backends that are a MongoDB wire server reached by URL (the secantus URL comes from the
session's SecantusDB server, see `tests/contracts/secantus.py`)."""

StoreOpener = Callable[[], Awaitable[Store]]


def _mongo_client(url: str) -> Any:
    """A real client, tz-aware as the Mongo backend expects of a database handed to it."""
    from pymongo import AsyncMongoClient

    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)


class Backend:
    """Opens stores of one backend on fresh, throw-away databases."""

    def __init__(self, backend_id: str, tmp_path: Path, server_url: str = "") -> None:
        self.id = backend_id
        self._tmp_path = tmp_path
        self._count = 0
        self._url = server_url or MONGODB_URL

    @asynccontextmanager
    async def database(self) -> AsyncIterator[StoreOpener]:
        """A fresh empty database; yields a function that opens a store on it (again)."""
        self._count += 1
        if self.id == "sqlite":
            async with self._sqlite() as opener:
                yield opener
        elif self.id == "mongomock":
            async with self._mongomock() as opener:
                yield opener
        else:
            async with self._mongodb() as opener:
                yield opener

    @asynccontextmanager
    async def fresh(self) -> AsyncIterator[Store]:
        """An open store on a fresh empty database, closed (and the database dropped) after."""
        async with self.database() as open_store:
            store = await open_store()
            try:
                yield store
            finally:
                await store.close()

    @asynccontextmanager
    async def _sqlite(self) -> AsyncIterator[StoreOpener]:
        from hub.store.sqlite import open_sqlite_store

        directory = self._tmp_path / f"store-{self._count}"
        directory.mkdir()
        url = f"sqlite:///{directory / 'hub.db'}"

        async def open_store() -> Store:
            return await open_sqlite_store(url)

        yield open_store

    @asynccontextmanager
    async def _mongomock(self) -> AsyncIterator[StoreOpener]:
        from hub.store.mongo import open_mongo_database_store
        from tests.support.async_mongomock import AsyncMongoMockClient

        client = AsyncMongoMockClient()
        name = f"hub_test_{uuid.uuid4().hex}"

        async def open_store() -> Store:
            return await open_mongo_database_store(client[name])

        try:
            yield open_store
        finally:
            await client.close()

    @asynccontextmanager
    async def _mongodb(self) -> AsyncIterator[StoreOpener]:
        from hub.store.mongo import open_mongo_database_store

        name = f"hub_test_{uuid.uuid4().hex}"
        clients: list[Any] = []

        async def open_store() -> Store:
            client: Any = _mongo_client(self._url)
            clients.append(client)
            return await open_mongo_database_store(client[name])

        try:
            yield open_store
        finally:
            for client in clients:
                await client.close()
            admin: Any = _mongo_client(self._url)
            try:
                await admin.drop_database(name)
            finally:
                await admin.close()

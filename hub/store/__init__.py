"""Store backends, chosen by the scheme of `HUB_DATABASE_URL` from one explicit table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.config import Settings
from hub.errors import ConfigError
from hub.ports import Store

StoreOpener = Callable[[str], Awaitable[Store]]


async def _open_sqlite(url: str) -> Store:
    from hub.store.sqlite import open_sqlite_store

    return await open_sqlite_store(url)


async def _open_mongo(url: str) -> Store:
    from hub.store.mongo import open_mongo_store

    return await open_mongo_store(url)


BACKENDS: dict[str, StoreOpener] = {
    "sqlite": _open_sqlite,
    "mongodb": _open_mongo,
    "mongodb+srv": _open_mongo,
}


async def create_store(settings: Settings) -> Store:
    """Open the store named by `settings.database_url`, creating its schema or indexes."""
    scheme = settings.database_url.partition("://")[0]
    opener = BACKENDS.get(scheme)
    if opener is None:
        raise ConfigError("HUB_DATABASE_URL", f"no store backend for scheme {scheme!r}")
    return await opener(settings.database_url)

"""A `store` fixture on a fresh SQLite file of the test's own, for the test folders whose
tests are about SQLite or run on it alone (`tests/contracts` runs on every backend)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.ports import Store
from hub.store.sqlite import open_sqlite_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    yield opened
    await opened.close()

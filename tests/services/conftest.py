"""The services' tests: each runs on its own SQLite file (the contract tests under
`tests/contracts` are the ones that run on every backend)."""

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

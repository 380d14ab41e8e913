"""One contract suite, every store backend (DESIGN §3, §8).

Every test that takes `store` (a fresh, empty store) or `backend` (a factory of fresh stores,
for property tests that need one per example) runs once per backend id:

- `sqlite`: a fresh file under the test's tmp_path;
- `mongomock`: the Mongo backend over `tests/support/async_mongomock.py`, a mock of
  PyMongo's async client (no MongoDB server can be installed from our registries);
- `mongodb`: the Mongo backend against a real server, only when `HUB_TEST_MONGODB_URL` is set;
  each test gets its own database, dropped afterwards.

The ids appear in test ids, so `-k sqlite` and `-k mongo` select a backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.ports import Store
from tests.contracts.backends import BACKEND_IDS, Backend


@pytest.fixture(params=BACKEND_IDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(request.param, tmp_path)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    async with backend.fresh() as opened:
        yield opened

"""One contract suite, every store backend (DESIGN §3, §8).

Every test that takes `store` (a fresh, empty store) or `backend` (a factory of fresh stores,
for property tests that need one per example) runs once per backend id:

- `sqlite`: a fresh file under the test's tmp_path;
- `mongomock`: the Mongo backend over `tests/support/async_mongomock.py`, a mock of
  PyMongo's async client (in process, no server);
- `secantus`: the Mongo backend against SecantusDB, a real MongoDB wire-protocol server on
  WiredTiger, started once per session by `secantus_server` (`tests/contracts/secantus.py`);
- `mongodb`: the Mongo backend against a real server, only when `HUB_TEST_MONGODB_URL` is set.

On the two servers each test gets its own database, dropped afterwards. The ids appear in test
ids, so `-k sqlite`, `-k secantus` and `-k mongo` select backends.

`@pytest.mark.known_bug_on("secantus", "…")` marks a test that fails on SecantusDB alone because
of a server bug written up with a minimal reproduction in `tests/contracts/secantus_known.md`: it
becomes `xfail(strict=True)` on that backend only, so it fails the day the server is fixed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.ports import Store
from tests.contracts.backends import BACKEND_IDS, Backend
from tests.contracts.secantus import SecantusServer, start_secantus


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for known in item.iter_markers("known_bug_on"):
            backend_id, what = known.args
            if callspec.params.get("backend") == backend_id:
                reason = f"{backend_id} bug, see tests/contracts/secantus_known.md: {what}"
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture(scope="session")
def secantus_server() -> Iterator[SecantusServer]:
    root = Path(tempfile.mkdtemp(prefix="hub-secantus-"))
    try:
        server = start_secantus(root)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKEND_IDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    url = ""
    if request.param == "secantus":
        url = request.getfixturevalue("secantus_server").url
    return Backend(request.param, tmp_path, url)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    async with backend.fresh() as opened:
        yield opened

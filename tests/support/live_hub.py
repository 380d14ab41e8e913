"""The real app on a loopback port for browser tests: a fresh SQLite store under the test's
folder, staff users who all log in with `PASSWORD`, everything closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from hub.config import Settings, load_settings
from hub.domain.staff import StaffRole
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from tests.support.browser import require_chromium

PASSWORD = "correct horse battery"


@dataclass(frozen=True, slots=True)
class Staff:
    email: str
    role: StaffRole
    name: str = ""


@asynccontextmanager
async def live_hub(tmp_path: Path, *staff: Staff, settings: Mapping[str, str] | None = None,
                   configure: Callable[[web.Application], None] | None = None,
                   ) -> AsyncIterator[tuple[TestServer, Settings]]:
    """Serve the app (made with `settings` on top of the defaults, then `configure`d) on a
    free loopback port, its public URL that port."""
    require_chromium()
    port = unused_port()
    loaded = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path),
        "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}", **(settings or {})}, dotenv=None)
    store = await create_store(loaded)
    try:
        for user in staff:
            await add_user(store, email=user.email, role=user.role, password=PASSWORD,
                           name=user.name)
        app = create_app(loaded, store=store)
        if configure is not None:
            configure(app)
        server = TestServer(app, host="127.0.0.1", port=port)
        await server.start_server()
        try:
            yield server, loaded
        finally:
            await server.close()
    finally:
        await store.close()

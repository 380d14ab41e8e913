"""An app on a fresh SQLite store, with one API token per staff role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.config import Settings, load_settings
from hub.ports import Store
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from tests.support.browser import browser_page, launched_chromium, require_chromium


@dataclass
class Api:
    """A test client that speaks as one role; `call` returns (status, parsed JSON)."""

    client: TestClient
    tokens: dict[str, str]
    store: Store

    async def call(self, method: str, path: str, *, role: str = "admin",
                   **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        response = await self.client.request(method, path, headers=headers, **kwargs)
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"),
                          "HUB_MAX_BODY_BYTES": "65536"}, dotenv=None)


@pytest.fixture
async def api(settings: Settings,
              aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AsyncIterator[Api]:
    store = await create_store(settings)
    tokens = {role: await create_token(store, name=f"{role}-test", role=role)
              for role in ("admin", "service", "marketing")}
    client = await aiohttp_client(create_app(settings, store=store))
    yield Api(client=client, tokens=tokens, store=store)
    await store.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A fresh headless Chromium (the browser tests open their own contexts in it)."""
    require_chromium()
    async for launched in launched_chromium():
        yield launched


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """One page in a fresh headless Chromium."""
    require_chromium()
    async for opened in browser_page():
        yield opened

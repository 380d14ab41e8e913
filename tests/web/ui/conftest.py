"""A staff-UI client on a fresh SQLite store: one user per role, logged in by form post."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from hub.config import Settings, load_settings
from hub.ports import Store
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from tests.support.live_hub import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Ui:
    client: TestClient
    store: Store
    settings: Settings

    async def csrf(self, path: str = "/login") -> str:
        response = await self.client.get(path)
        match = CSRF.search(await response.text())
        assert match, f"no csrf token on {path}"
        return match.group(1)

    async def login(self, role: str = "service") -> None:
        token = await self.csrf("/login")
        response = await self.client.post("/login", data={
            "email": f"{role}@example.org", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False)
        assert response.status == 303, await response.text()

    async def post(self, path: str, data: dict[str, str], *, token_from: str = "/") -> int:
        token = await self.csrf(token_from)
        response = await self.client.post(path, data={**data, "csrf_token": token},
                                          allow_redirects=False)
        return response.status


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)


@pytest.fixture
async def ui(settings: Settings,
             aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AsyncIterator[Ui]:
    store = await create_store(settings)
    for role in ("admin", "service", "marketing"):
        await add_user(store, email=f"{role}@example.org", role=role, password=PASSWORD,
                       name=f"{role.title()} Person")
    client = await aiohttp_client(create_app(settings, store=store))
    yield Ui(client=client, store=store, settings=settings)
    await store.close()

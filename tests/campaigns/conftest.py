"""An app with the campaign worker polling fast, on a fresh SQLite store."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.config import Settings, load_settings
from hub.services.outbound import RetryPolicy
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import DISPATCH
from hub.wiring import dispatch_config
from tests.web.conftest import Api


def campaign_settings(tmp_path: Path, **extra: str) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"),
                          "HUB_EMAIL_FROM": "news@shop.example", **extra}, dotenv=None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return campaign_settings(tmp_path)


@pytest.fixture
async def api(settings: Settings,
              aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AsyncIterator[Api]:
    store = await create_store(settings)
    tokens = {role: await create_token(store, name=f"{role}-test", role=role)
              for role in ("admin", "service", "marketing")}
    app = create_app(settings, store=store, retry=RetryPolicy(delays_s=(0.01,)))
    app[DISPATCH] = dataclasses.replace(dispatch_config(settings), poll_s=0.05)
    client = await aiohttp_client(app)
    yield Api(client=client, tokens=tokens, store=store)
    await store.close()


async def wait_for_status(api: Api, campaign_id: str, status: str, within_s: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        code, body = await api.call("GET", f"/api/v1/campaigns/{campaign_id}", role="marketing")
        assert code == 200, body
        if body["status"] == status:
            return body
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.05)

"""Apps wired to real mail servers: aiosmtpd in this process, Dovecot as a child process."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.config import load_settings
from hub.services.outbound import RetryPolicy
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from tests.channels.email.servers import dovecot, smtp_server
from tests.web.conftest import Api

__all__ = ["dovecot", "make_api", "smtp_server"]
MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def make_api(
    tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> AsyncIterator[MakeApi]:
    """`await make_api(HUB_SMTP_URL=..., ...)`: an app on a fresh SQLite store and tokens."""
    stores: list[Any] = []

    async def make(**env: str) -> Api:
        settings = load_settings({
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
            "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_SECRET_KEY": "s" * 32,
            "HUB_EMAIL_FROM": "Hub Support <support@hub.example>", **env}, dotenv=None)
        store = await create_store(settings)
        stores.append(store)
        tokens = {role: await create_token(store, name=f"{role}-test", role=role)
                  for role in ("admin", "service", "marketing")}
        app = create_app(settings, store=store,
                         retry=RetryPolicy(delays_s=(0.01, 0.02)))
        client = await aiohttp_client(app)
        return Api(client=client, tokens=tokens, store=store)

    yield make
    for store in stores:
        await store.close()


async def new_person(api: Api, email: str = "klant@example.com", name: str = "Klaas Klant") -> str:
    status, person = await api.call("POST", "/api/v1/persons",
                                    json={"name": name, "emails": [email]})
    assert status == 201, person
    return str(person["id"])


async def post_mail(api: Api, raw: bytes, role: str = "service") -> tuple[int, Any]:
    return await api.call("POST", "/api/v1/inbound/email", role=role, data=io.BytesIO(raw),
                          headers={"Content-Type": "message/rfc822"})

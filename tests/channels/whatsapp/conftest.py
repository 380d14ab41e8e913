"""A hub with WhatsApp configured against the local Twilio stand-in (reached through the real
twilio SDK), a staff API client and a signer that posts webhooks as Twilio would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hub.config import load_settings
from hub.services.outbound import RetryPolicy
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from tests.channels.sms.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_URL,
    FakeTwilio,
    TwilioSigner,
)
from tests.web.conftest import Api
from tests.web.webhooks.conftest import Hub

MEDIA_LIMIT = 1000


@pytest.fixture
async def hub(
    tmp_path: Path, aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> AsyncIterator[Hub]:
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_MAX_BODY_BYTES": "65536", "HUB_PUBLIC_URL": PUBLIC_URL,
        "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HUB_TWILIO_FROM": FROM_NUMBER, "HUB_TWILIO_WHATSAPP_FROM": FROM_NUMBER,
        "HUB_TWILIO_API_BASE": str(server.make_url("")).rstrip("/"),
        "HUB_WHATSAPP_MEDIA_LIMIT": str(MEDIA_LIMIT), "HUB_QUIET_HOURS": "off",
        "HUB_QUIET_DAYS": "off", "HUB_MARKETING_CAP": "off",
    }, dotenv=None)
    store = await create_store(settings)
    tokens = {role: await create_token(store, name=f"{role}-test", role=role)
              for role in ("admin", "service", "marketing")}
    app = create_app(settings, store=store, retry=RetryPolicy(delays_s=(0.01, 0.02)))
    client = await aiohttp_client(app)
    yield Hub(api=Api(client=client, tokens=tokens, store=store), twilio=fake,
              signer=TwilioSigner(client))
    await store.close()

"""A hub with Twilio configured against the local stand-in of its REST API (reached through the
real twilio SDK), a staff API client with a token per role, and a signer that posts webhooks
as Twilio would: what the SMS, WhatsApp, survey and journey tests start from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.config import load_settings
from hub.domain.events import Event
from hub.domain.parties import Person
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

ServerFactory = Callable[..., Awaitable[TestServer]]
ClientFactory = Callable[..., Awaitable[TestClient]]


@dataclass
class Hub:
    api: Api
    twilio: FakeTwilio
    signer: TwilioSigner

    @property
    def store(self) -> Any:
        return self.api.store

    async def person(self, phone: str = "+31612345678", **fields: Any) -> dict[str, Any]:
        status, body = await self.api.call("POST", "/api/v1/persons",
                                           json={"name": "Anna", "phones": [phone], **fields})
        assert status == 201, body
        return body

    async def timeline(self, person_id: str) -> list[dict[str, Any]]:
        status, body = await self.api.call("GET", f"/api/v1/persons/{person_id}/timeline")
        assert status == 200, body
        return body["items"]

    async def stored_person(self, person_id: str) -> Person:
        person = await self.store.persons.get(person_id)
        assert person is not None
        return person

    async def event(self, event_id: str) -> Event:
        event = await self.store.events.get(event_id)
        assert event is not None
        return event


@asynccontextmanager
async def twilio_hub(
    tmp_path: Path, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory,
    settings: dict[str, str] | None = None, *, retry_delays: tuple[float, ...] = (0.01, 0.02),
    prepare: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[Hub]:
    """`settings` add to (or override) the Twilio ones; `prepare` adjusts the app before it
    starts (a movable clock, no background workers)."""
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    loaded = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_PUBLIC_URL": PUBLIC_URL, "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HUB_TWILIO_FROM": FROM_NUMBER,
        "HUB_TWILIO_API_BASE": str(server.make_url("")).rstrip("/"), **(settings or {}),
    }, dotenv=None)
    store = await create_store(loaded)
    try:
        tokens = {role: await create_token(store, name=f"{role}-test", role=role)
                  for role in ("admin", "service", "marketing")}
        app = create_app(loaded, store=store, retry=RetryPolicy(delays_s=retry_delays))
        if prepare is not None:
            prepare(app)
        client = await aiohttp_client(app)
        yield Hub(api=Api(client=client, tokens=tokens, store=store), twilio=fake,
                  signer=TwilioSigner(client))
    finally:
        await store.close()

"""STOP opts out the number it came from (issue 15, item 3); with HUB_SMS_STOP_SCOPE=person,
every number of its owner. Through signed webhooks and the real SDK to the fake Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hub.config import load_settings
from hub.domain.address_consent import consent_at
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

FIRST, SECOND = "+31611112222", "+31643056562"


@pytest.fixture(params=["number", "person"])
async def scoped(
    request: pytest.FixtureRequest, tmp_path: Path,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> AsyncIterator[tuple[Hub, str]]:
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_PUBLIC_URL": PUBLIC_URL, "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HUB_TWILIO_FROM": FROM_NUMBER,
        "HUB_TWILIO_API_BASE": str(server.make_url("")).rstrip("/"),
        "HUB_SMS_STOP_SCOPE": request.param}, dotenv=None)
    store = await create_store(settings)
    tokens = {role: await create_token(store, name=f"{role}-test", role=role)
              for role in ("admin", "service", "marketing")}
    client = await aiohttp_client(create_app(settings, store=store,
                                             retry=RetryPolicy(delays_s=(0.01,))))
    yield Hub(api=Api(client=client, tokens=tokens, store=store), twilio=fake,
              signer=TwilioSigner(client)), request.param
    await store.close()


async def test_stop_opts_out_the_number_it_came_from(scoped: tuple[Hub, str]) -> None:
    hub, scope = scoped
    status, person = await hub.api.call("POST", "/api/v1/persons", json={
        "name": "Anna", "phones": [FIRST, SECOND], "consent": {"sms": "opted_in"}})
    assert status == 201, person
    assert (await hub.signer.inbound_sms(SECOND, "STOP")).status == 200
    stored = await hub.stored_person(person["id"])
    assert consent_at(stored, "sms", SECOND).status == "opted_out"
    first = consent_at(stored, "sms", FIRST).status
    assert first == ("opted_in" if scope == "number" else "opted_out")
    assert stored.consent_for("sms").status == first  # the derived person-level view

    # a staff reply to the stopped number is refused; to the other one only when it is kept
    status, refused = await hub.api.call(
        "POST", f"/api/v1/persons/{person['id']}/messages", role="service",
        json={"channel": "sms", "text": "Hello"})
    if scope == "number":
        assert status == 202, refused
        assert [m.to for m in hub.twilio.messages] == [FIRST]
    else:
        assert status == 409 and refused["error"]["message"] == "opted out of SMS"
        assert hub.twilio.messages == []

    proof = (await hub.api.call("GET", f"/api/v1/persons/{person['id']}/consent-proof"))[1]
    stop = proof["changes"][0]
    assert stop["source"] == "sms:STOP" and stop["status"] == "opted_out"
    assert stop["addresses"] == ([SECOND] if scope == "number" else [FIRST, SECOND])

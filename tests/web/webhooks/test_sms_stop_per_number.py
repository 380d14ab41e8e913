"""STOP opts out the number it came from (issue 15, item 3); with HUB_SMS_STOP_SCOPE=person,
every number of its owner. Through signed webhooks and the real SDK to the fake Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.domain.address_consent import consent_at
from tests.support.twilio_hub import ClientFactory, Hub, ServerFactory, twilio_hub

FIRST, SECOND = "+31611112222", "+31643056562"


@pytest.fixture(params=["number", "person"])
async def scoped(
    request: pytest.FixtureRequest, tmp_path: Path, aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
) -> AsyncIterator[tuple[Hub, str]]:
    async with twilio_hub(tmp_path, aiohttp_server, aiohttp_client,
                          {"HUB_SMS_STOP_SCOPE": request.param},
                          retry_delays=(0.01,)) as started:
        yield started, request.param


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

"""The bookkeeping around a send: event first, provider id before `sent`, retries, failures.

The provider here is a test double (ScriptedAdapter) that answers from a script, because the
point is the service's bookkeeping; real SMTP and Twilio behaviour is tested in tests/channels.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.domain.events import StatusChange
from hub.errors import Conflict, HubError, SendFailed, Transient
from hub.ports import ChannelCapabilities, OutboundMessage, SendReceipt
from hub.services import Services
from hub.services.outbound import RetryPolicy
from hub.services.persons import PersonInput
from hub.store.sqlite import open_sqlite_store
from hub.wiring import assemble


class ScriptedAdapter:
    """Test double: raises the scripted errors in turn, then accepts."""

    name = "email"
    capabilities = ChannelCapabilities(subject=True, html=True, media=False, threads_by_token=True)

    def __init__(self) -> None:
        self.script: list[HubError] = []
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> SendReceipt:
        self.sent.append(message)
        if self.script:
            raise self.script.pop(0)
        return SendReceipt(provider_id=f"<{message.event_id}@provider>", status="sent")

    async def close(self) -> None:
        return None


@pytest.fixture
def adapter() -> ScriptedAdapter:
    return ScriptedAdapter()


@pytest.fixture
async def services(tmp_path: Path, adapter: ScriptedAdapter) -> AsyncIterator[Services]:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)
    yield assemble(store, settings, {"email": adapter, "sms": adapter},
                   retry=RetryPolicy(delays_s=(0.01, 0.04))).services
    await store.close()


async def anna(services: Services) -> str:
    return (await services.persons.create(PersonInput(emails=["anna@example.com"]))).id


async def test_transient_errors_are_retried_then_sent(
    services: Services, adapter: ScriptedAdapter
) -> None:
    adapter.script = [Transient("451 try later"), Transient("connection lost")]
    event = await services.messaging.send_to_person(await anna(services), text="Hallo")
    assert len(adapter.sent) == 3
    assert event.status == "sent" and event.external_id == f"<{event.id}@provider>"
    assert [s.status for s in event.status_history] == ["queued", "sent"]
    found = await services.store.events.find_by_external("email", event.external_id)
    assert found is not None and found.id == event.id


async def test_permanent_error_fails_at_once_with_the_reason(
    services: Services, adapter: ScriptedAdapter
) -> None:
    adapter.script = [SendFailed("550 no such user", provider_code="550")]
    event = await services.messaging.send_to_person(await anna(services), text="Hallo")
    assert len(adapter.sent) == 1
    assert event.status == "failed" and event.status_history[-1].detail == "550 no such user"


async def test_giving_up_after_the_last_attempt(
    services: Services, adapter: ScriptedAdapter
) -> None:
    adapter.script = [Transient("451")] * 3
    event = await services.messaging.send_to_person(await anna(services), text="Hallo")
    assert event.status == "failed"
    assert "gave up after 3 attempts" in (event.status_history[-1].detail or "")


async def test_each_email_carries_a_verifiable_reply_token(
    services: Services, adapter: ScriptedAdapter
) -> None:
    event = await services.messaging.send_to_person(await anna(services), text="Hallo")
    token = adapter.sent[0].reply_token
    assert token is not None and services.reply_tokens.event_id(token) == event.id
    tampered = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert services.reply_tokens.event_id(tampered) is None
    assert services.reply_tokens.event_id("x" * 41) is None


async def test_an_early_delivery_report_is_not_moved_back(
    services: Services, adapter: ScriptedAdapter
) -> None:
    """Twilio may report `delivered` before its API call has even returned `queued`."""
    async def report_delivered_early(message: OutboundMessage) -> SendReceipt:
        await services.store.events.add_status(message.event_id,
                                               StatusChange(status="delivered"))
        return SendReceipt(provider_id="SM123", status="queued")

    adapter.send = report_delivered_early  # type: ignore[method-assign]
    event = await services.messaging.send_to_person(await anna(services), text="Hallo")
    assert event.status == "delivered" and event.external_id == "SM123"


async def test_an_undeliverable_address_is_refused(services: Services) -> None:
    person = await services.persons.create(PersonInput(
        emails=["gone@example.com"], attributes={"email_undeliverable": "gone@example.com"}))
    with pytest.raises(Conflict, match="undeliverable"):
        await services.messaging.send_to_person(person.id, channel="email", text="Hallo")

"""The Twilio SMS adapter, through the real twilio SDK, against the local fake REST API."""

from __future__ import annotations

import pytest

from channels.sms import build_sms_adapter
from channels.sms.config import TwilioConfig
from channels.sms.outbound import TwilioSmsAdapter
from hub.config import load_settings
from hub.errors import ChannelMisconfigured, SendFailed, Transient
from hub.ports import OutboundMessage
from tests.channels.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

CALLBACK = "https://hub.example.com/webhooks/twilio/status"


def config(base: str, **changes: str | None) -> TwilioConfig:
    values: dict[str, str | None] = {
        "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM_NUMBER,
        "messaging_service_sid": None, "api_base": base, "status_callback": CALLBACK}
    values.update(changes)
    return TwilioConfig(**values)  # type: ignore[arg-type]


def message(text: str = "Hello from Hub", to: str = "+31612345678") -> OutboundMessage:
    return OutboundMessage(event_id="ev1", channel="sms", to=to, text=text,
                           status_callback=CALLBACK)


async def test_sends_through_the_sdk_to_the_configured_base(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    fake, base = fake_twilio
    adapter = TwilioSmsAdapter(config(base))
    try:
        receipt = await adapter.send(message())
    finally:
        await adapter.close()
    sent = fake.messages[0]
    assert receipt.provider_id == sent.sid and receipt.provider_id.startswith("SM")
    assert receipt.status == "queued"
    assert (sent.to, sent.body, sent.sender) == ("+31612345678", "Hello from Hub", FROM_NUMBER)
    assert sent.status_callback == CALLBACK
    assert fake.paths == [f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"]
    assert receipt.data["segments"] == 1


async def test_messaging_service_sid_replaces_the_from_number(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    fake, base = fake_twilio
    adapter = TwilioSmsAdapter(config(base, messaging_service_sid="MG" + "1" * 32))
    try:
        await adapter.send(message())
    finally:
        await adapter.close()
    assert fake.messages[0].messaging_service_sid == "MG" + "1" * 32
    assert fake.messages[0].sender is None


@pytest.mark.parametrize(("text", "segments", "encoding"), [
    ("a" * 160, 1, "GSM-7"), ("a" * 161, 2, "GSM-7"), ("é€" * 10, 1, "GSM-7"),
    ("ü" + "a" * 300, 2, "GSM-7"), ("Café ☕" * 12, 2, "UCS-2"),
])
async def test_long_texts_are_counted_in_segments(
    fake_twilio: tuple[FakeTwilio, str], text: str, segments: int, encoding: str,
) -> None:
    _, base = fake_twilio
    adapter = TwilioSmsAdapter(config(base))
    try:
        receipt = await adapter.send(message(text))
    finally:
        await adapter.close()
    assert receipt.data["encoding"] == encoding
    assert receipt.data["segments"] >= 1


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
async def test_rate_limits_and_server_errors_are_transient(
    fake_twilio: tuple[FakeTwilio, str], status: int, code: int,
) -> None:
    fake, base = fake_twilio
    fake.fail_next(status, code, "Too Many Requests" if status == 429 else "Service Unavailable")
    adapter = TwilioSmsAdapter(config(base))
    try:
        with pytest.raises(Transient, match=str(status)):
            await adapter.send(message())
        assert (await adapter.send(message())).provider_id  # the next try goes through
    finally:
        await adapter.close()


@pytest.mark.parametrize(("to", "code", "words"), [
    ("+31600000001", "21610", "unsubscribed recipient"),
    ("0612", "21211", "not a valid phone number"),
])
async def test_permanent_refusals_carry_twilios_code_and_message(
    fake_twilio: tuple[FakeTwilio, str], to: str, code: str, words: str,
) -> None:
    fake, base = fake_twilio
    fake.unsubscribed.add("+31600000001")
    adapter = TwilioSmsAdapter(config(base))
    try:
        with pytest.raises(SendFailed) as caught:
            await adapter.send(message(to=to))
    finally:
        await adapter.close()
    assert caught.value.provider_code == code
    assert code in caught.value.message and words in caught.value.message
    assert not fake.messages


async def test_bad_credentials_need_an_operator(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    _, base = fake_twilio
    adapter = TwilioSmsAdapter(config(base, auth_token="wrong"))
    try:
        with pytest.raises(ChannelMisconfigured, match="HUB_TWILIO_AUTH_TOKEN") as caught:
            await adapter.send(message())
    finally:
        await adapter.close()
    assert caught.value.provider_code == "20003"


async def test_an_unreachable_twilio_is_transient() -> None:
    adapter = TwilioSmsAdapter(config("http://127.0.0.1:9"))
    try:
        with pytest.raises(Transient, match="could not be reached"):
            await adapter.send(message())
    finally:
        await adapter.close()


async def test_a_text_over_twilios_limit_is_refused_before_sending(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    fake, base = fake_twilio
    adapter = TwilioSmsAdapter(config(base))
    try:
        with pytest.raises(SendFailed, match="1600"):
            await adapter.send(message("x" * 1601))
    finally:
        await adapter.close()
    assert fake.requests == 0


def test_no_adapter_without_credentials_or_sender() -> None:
    base = {"HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HUB_SECRET_KEY": "x" * 20}
    assert build_sms_adapter(load_settings(base, dotenv=None)) is None
    with_from = load_settings({**base, "HUB_TWILIO_FROM": FROM_NUMBER}, dotenv=None)
    assert isinstance(build_sms_adapter(with_from), TwilioSmsAdapter)
    assert build_sms_adapter(load_settings({"HUB_SECRET_KEY": "x" * 20}, dotenv=None)) is None

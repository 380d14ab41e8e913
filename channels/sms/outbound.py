"""Outbound SMS through the twilio SDK's async client. Twilio's errors are translated here:
rate limits (429), server errors (5xx) and network trouble are `Transient`; everything else
(invalid number 21211, unsubscribed recipient 21610, ...) is `SendFailed` with Twilio's code,
except refused credentials (20003, HTTP 401), which are `ChannelMisconfigured`."""

from __future__ import annotations

import logging

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException

from channels.sms.config import TwilioConfig
from channels.sms.parts import count_segments
from channels.twilio_client import TwilioClient
from hub.errors import ChannelMisconfigured, SendFailed, Transient
from hub.ports import ChannelCapabilities, OutboundMessage, SendReceipt

log = logging.getLogger("hub.sms")
REQUEST_TIMEOUT_S = 15.0
MAX_BODY_CHARS = 1600  # Twilio's limit for one message, however many segments
SMS_CAPABILITIES = ChannelCapabilities(subject=False, html=False, media=False,
                                       reports_status=True)


class TwilioSmsAdapter:
    name = "sms"
    capabilities = SMS_CAPABILITIES

    def __init__(self, config: TwilioConfig) -> None:
        self._config = config
        self._twilio = TwilioClient(config.account_sid, config.auth_token, config.api_base,
                                    timeout=REQUEST_TIMEOUT_S)

    async def send(self, message: OutboundMessage) -> SendReceipt:
        if len(message.text) > MAX_BODY_CHARS:
            raise SendFailed(f"the text is {len(message.text)} characters; an SMS can carry "
                             f"at most {MAX_BODY_CHARS}", provider_code="21617")
        segments = count_segments(message.text)
        sender = ({"messaging_service_sid": self._config.messaging_service_sid}
                  if self._config.messaging_service_sid else {"from_": self._config.from_number})
        try:
            created = await self._twilio.sdk().messages.create_async(
                to=message.to, body=message.text,
                status_callback=message.status_callback or self._config.status_callback,
                **sender,
            )
        except TwilioRestException as exc:
            raise translate_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(f"Twilio could not be reached: {exc.__class__.__name__}") from exc
        except TwilioException as exc:
            raise Transient(f"Twilio client error: {exc}") from exc
        data: dict[str, object] = {"segments": segments.segments, "encoding": segments.encoding}
        if created.num_segments and str(created.num_segments).isdigit():
            data["segments"] = int(created.num_segments)
        return SendReceipt(provider_id=created.sid, status="queued",
                           detail=f"Twilio: {created.status}", data=data)

    async def close(self) -> None:
        await self._twilio.close()


def translate_error(exc: TwilioRestException) -> SendFailed | Transient | ChannelMisconfigured:
    code = str(exc.code) if exc.code is not None else None
    text = _message(exc)
    if exc.status == 401 or code == "20003":
        return ChannelMisconfigured(f"Twilio refused our credentials ({text}); check "
                                    "HUB_TWILIO_ACCOUNT_SID and HUB_TWILIO_AUTH_TOKEN",
                                    provider_code=code)
    if exc.status == 429 or exc.status >= 500:
        return Transient(f"Twilio answered {exc.status}: {text}")
    label = f"Twilio error {code}: {text}" if code else f"Twilio answered {exc.status}: {text}"
    log.info("twilio refused a message", extra={"status": exc.status, "provider_code": code})
    return SendFailed(label, provider_code=code)


def _message(exc: TwilioRestException) -> str:
    """Twilio's own message, without the SDK's 'Unable to create record' prefix."""
    msg = str(exc.msg or "")
    _, sep, rest = msg.partition(": ")
    return (rest if sep else msg)[:500]

"""Outbound SMS through the twilio SDK's async client (`channels/twilio_client.py` translates
Twilio's errors)."""

from __future__ import annotations

from channels.sms.config import TwilioConfig
from channels.sms.parts import count_segments
from channels.twilio_client import TwilioClient
from hub.errors import SendFailed
from hub.ports import ChannelCapabilities, OutboundMessage, SendReceipt

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
        created = await self._twilio.create_message(
            to=message.to, body=message.text,
            status_callback=message.status_callback or self._config.status_callback, **sender)
        data: dict[str, object] = {"segments": segments.segments, "encoding": segments.encoding}
        if created.num_segments and str(created.num_segments).isdigit():
            data["segments"] = int(created.num_segments)
        return SendReceipt(provider_id=created.sid, status="queued",
                           detail=f"Twilio: {created.status}", data=data)

    async def close(self) -> None:
        await self._twilio.close()

"""Outbound WhatsApp through the twilio SDK's async client: free text (`Body`), or an
approved template (`ContentSid` + `ContentVariables`) when the message carries one. The
customer-service window is checked before this, by the outbound path (`why_not`); Twilio's
own refusal of a window breach (63016) still comes back as a `SendFailed` with its code."""

from __future__ import annotations

import json

from channels.twilio_client import TwilioClient
from channels.whatsapp.config import PREFIX, WhatsAppConfig
from hub.errors import SendFailed
from hub.ports import ChannelCapabilities, OutboundMessage, SendReceipt

REQUEST_TIMEOUT_S = 15.0
MAX_BODY_CHARS = 4096  # WhatsApp's limit for one text message
WHATSAPP_CAPABILITIES = ChannelCapabilities(subject=False, html=False, media=False,
                                            reports_status=True, provider_templates=True)
OUTSIDE_WINDOW = "63016"
NOT_ON_WHATSAPP = frozenset({"63003", "63024"})


class TwilioWhatsAppAdapter:
    name = "whatsapp"
    capabilities = WHATSAPP_CAPABILITIES

    def __init__(self, config: WhatsAppConfig) -> None:
        self._config = config
        self._twilio = TwilioClient(config.account_sid, config.auth_token, config.api_base,
                                    timeout=REQUEST_TIMEOUT_S)

    async def send(self, message: OutboundMessage) -> SendReceipt:
        content: dict[str, str] = {}
        if message.content_sid:
            content["content_sid"] = message.content_sid
            if message.content_variables:
                content["content_variables"] = json.dumps(dict(message.content_variables))
        else:
            if len(message.text) > MAX_BODY_CHARS:
                raise SendFailed(f"the text is {len(message.text)} characters; a WhatsApp "
                                 f"message can carry at most {MAX_BODY_CHARS}",
                                 provider_code="21617")
            content["body"] = message.text
        created = await self._twilio.create_message(
            to=PREFIX + message.to.removeprefix(PREFIX), from_=PREFIX + self._config.from_number,
            status_callback=self._config.status_callback, **content)
        data = {"content_sid": message.content_sid} if message.content_sid else None
        return SendReceipt(provider_id=created.sid, status="queued",
                           detail=f"Twilio: {created.status}", data=data or {})

    async def close(self) -> None:
        await self._twilio.close()

"""Twilio settings for WhatsApp; None when the account, token or WhatsApp sender is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.config import Settings

PREFIX = "whatsapp:"
INBOUND_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/whatsapp/status"


@dataclass(frozen=True, slots=True)
class WhatsAppConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str
    api_base: str | None  # replaces https://api.twilio.com in every request (tests)
    status_callback: str
    media_limit: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WhatsAppConfig | None:
        sender = settings.twilio_whatsapp_from
        if not (settings.twilio_account_sid and settings.twilio_auth_token and sender):
            return None
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=sender.removeprefix(PREFIX),
            api_base=settings.twilio_api_base.rstrip("/") if settings.twilio_api_base else None,
            status_callback=settings.public_url + STATUS_PATH,
            media_limit=settings.whatsapp_media_limit,
        )

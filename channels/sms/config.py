"""Twilio settings for SMS, taken from the hub's settings; None when Twilio is not set up."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.config import Settings

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None
    messaging_service_sid: str | None
    api_base: str | None  # replaces https://api.twilio.com in every request (tests)
    status_callback: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioConfig | None:
        """The SMS configuration, or None when the account, token or sender is missing."""
        sender = settings.twilio_messaging_service_sid or settings.twilio_from
        if not (settings.twilio_account_sid and settings.twilio_auth_token and sender):
            return None
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base=settings.twilio_api_base.rstrip("/") if settings.twilio_api_base else None,
            status_callback=f"{settings.public_url}/webhooks/twilio/status",
        )

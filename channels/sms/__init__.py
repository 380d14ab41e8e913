"""SMS through Twilio: outbound adapter, inbound and status webhook parsing, keywords."""

from __future__ import annotations

from channels.sms.config import TwilioConfig
from channels.sms.outbound import SMS_CAPABILITIES, TwilioSmsAdapter
from hub.config import Settings
from hub.ports import ChannelAdapter

__all__ = ["SMS_CAPABILITIES", "build_sms_adapter"]


def build_sms_adapter(settings: Settings) -> ChannelAdapter | None:
    """The Twilio adapter, or None (→ sandbox outbox) when Twilio is not configured."""
    config = TwilioConfig.from_settings(settings)
    return TwilioSmsAdapter(config) if config else None

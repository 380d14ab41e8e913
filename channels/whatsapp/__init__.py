"""WhatsApp through Twilio's Messages API: outbound (free text inside the customer-service
window, approved Content API templates outside it), inbound and status webhook parsing, and
media fetched with a size limit. STOP/START work as for SMS (`channels.sms.keywords`)."""

from __future__ import annotations

from channels.whatsapp.config import WhatsAppConfig
from channels.whatsapp.outbound import WHATSAPP_CAPABILITIES, TwilioWhatsAppAdapter
from hub.config import Settings
from hub.ports import ChannelAdapter

__all__ = ["WHATSAPP_CAPABILITIES", "build_whatsapp_adapter"]


def build_whatsapp_adapter(settings: Settings) -> ChannelAdapter | None:
    """The Twilio adapter, or None (→ sandbox outbox) when WhatsApp is not configured."""
    config = WhatsAppConfig.from_settings(settings)
    return TwilioWhatsAppAdapter(config) if config else None

"""WhatsApp through Twilio's Messages API: outbound (free text inside the customer-service
window, approved Content API templates outside it), inbound and status webhook parsing, and
media fetched with a size limit. STOP/START work as for SMS (`channels.sms.keywords`)."""

from __future__ import annotations

from channels.setup import ChannelSetup
from channels.whatsapp.config import INBOUND_PATH, STATUS_PATH, WhatsAppConfig
from channels.whatsapp.outbound import WHATSAPP_CAPABILITIES, TwilioWhatsAppAdapter
from hub.config import Settings
from hub.i18n import N_
from hub.ports import ChannelAdapter

__all__ = ["WHATSAPP_CAPABILITIES", "build_whatsapp_adapter", "describe_whatsapp"]


def build_whatsapp_adapter(settings: Settings) -> ChannelAdapter | None:
    """The Twilio adapter, or None (→ sandbox outbox) when WhatsApp is not configured."""
    config = WhatsAppConfig.from_settings(settings)
    return TwilioWhatsAppAdapter(config) if config else None


def describe_whatsapp(settings: Settings) -> ChannelSetup:
    """The channel page's row: configured or sandbox, the sender, the webhooks for Twilio."""
    config = WhatsAppConfig.from_settings(settings)
    return ChannelSetup(
        N_("Twilio (WhatsApp)"), config is not None,
        f"{config.account_sid[:6]}…, whatsapp:{config.from_number}" if config else "",
        N_("account, token and WhatsApp sender are set") if config else
        N_("HUB_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and HUB_TWILIO_WHATSAPP_FROM are not all set: "
           "%(outbox)s"),
        webhooks=((N_("incoming messages"), INBOUND_PATH),
                  (N_("message status (Hub sets it on every send)"), STATUS_PATH)))

"""Webhooks from providers. `add_twilio_webhooks(app)` adds Twilio's SMS, status and voice
callbacks and the services behind them (also used by the calls API)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from channels.sms.keywords import HELP_REPLY
from hub.services.calls import CallService
from hub.services.sms import SmsService
from hub.web.keys import SERVICES
from hub.web.webhooks import twilio
from hub.web.webhooks.keys import CALL_SERVICE, SMS_SERVICE

TWILIO_PATHS = {
    "/webhooks/twilio/sms": twilio.inbound_sms,
    "/webhooks/twilio/status": twilio.message_status,
    "/webhooks/twilio/voice": twilio.voice_status,
}


def add_twilio_webhooks(app: web.Application) -> None:
    """Call after the store's cleanup context is added: the services build on it."""

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        s = app[SERVICES]
        app[SMS_SERVICE] = SmsService(s.store, s.identities, s.persons, s.timeline, s.inbox,
                                      help_reply=HELP_REPLY)
        app[CALL_SERVICE] = CallService(s.store, s.identities, s.persons, s.timeline)
        yield

    app.cleanup_ctx.append(services_ctx)
    for path, handler in TWILIO_PATHS.items():
        app.router.add_post(path, handler)

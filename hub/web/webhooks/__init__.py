"""Webhooks from providers. `add_twilio_webhooks(app)` adds Twilio's SMS, status and voice
callbacks."""

from __future__ import annotations

from aiohttp import web

from hub.web.webhooks import twilio, whatsapp

TWILIO_PATHS = {
    "/webhooks/twilio/sms": twilio.inbound_sms,
    "/webhooks/twilio/status": twilio.message_status,
    "/webhooks/twilio/voice": twilio.voice_status,
    "/webhooks/twilio/whatsapp": whatsapp.inbound_whatsapp,
    "/webhooks/twilio/whatsapp/status": whatsapp.whatsapp_status,
}


def add_twilio_webhooks(app: web.Application) -> None:
    for path, handler in TWILIO_PATHS.items():
        app.router.add_post(path, handler)

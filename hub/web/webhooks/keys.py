"""App state for the Twilio parts: the SMS and call services (they hold per-sid locks, so one
instance per app)."""

from __future__ import annotations

from aiohttp import web

from hub.services.calls import CallService
from hub.services.sms import SmsService

SMS_SERVICE = web.AppKey("sms_service", SmsService)
CALL_SERVICE = web.AppKey("call_service", CallService)

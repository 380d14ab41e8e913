"""Twilio's webhooks: inbound SMS, message status and voice status callbacks.

Every request is checked against `X-Twilio-Signature` over HUB_PUBLIC_URL + path + query (a
URL from X-Forwarded-* headers is never trusted); a forged or unsigned one is 403 and stores
nothing. The handlers store first and answer with TwiML at once: Twilio gives up at 15 s."""

from __future__ import annotations

import logging

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from channels.calls.webhooks import parse_voice_callback
from channels.sms.webhooks import (
    parse_inbound_sms,
    parse_status_callback,
    signature_valid,
    twiml,
)
from channels.whatsapp.webhooks import is_whatsapp
from hub.web.keys import SERVICES, SETTINGS

log = logging.getLogger("hub.webhooks")
FORM = "application/x-www-form-urlencoded"


async def verified_form(request: web.Request) -> MultiDictProxy[str]:
    """The POST fields of a request Twilio signed; 403 for anything else."""
    settings = request.app[SETTINGS]
    if request.content_type != FORM:
        raise web.HTTPForbidden(reason="not a Twilio webhook")
    form = await request.post()  # aiohttp answers 413 beyond the app's body limit
    url = settings.public_url + request.raw_path
    if not signature_valid(settings.twilio_auth_token, url, form, request.headers):
        log.warning("twilio webhook refused: bad or missing signature",
                    extra={"route": request.path})
        raise web.HTTPForbidden(reason="the X-Twilio-Signature does not match")
    return MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))


def twiml_response(message: str | None = None) -> web.Response:
    return web.Response(text=twiml(message), content_type="application/xml")


async def inbound_sms(request: web.Request) -> web.Response:
    form = await verified_form(request)
    message = parse_inbound_sms(form)
    result = await request.app[SERVICES].sms.receive(message, await request.read())
    return twiml_response(result.reply)


async def message_status(request: web.Request) -> web.Response:
    form = await verified_form(request)
    update = parse_status_callback(form)
    services = request.app[SERVICES]
    tracker = services.whatsapp if is_whatsapp(form) else services.sms
    await tracker.status(
        update.sid, update.status, error_code=update.error_code,
        error_message=update.error_message, raw=await request.read())
    return twiml_response()


async def voice_status(request: web.Request) -> web.Response:
    form = await verified_form(request)
    call = parse_voice_callback(form)
    await request.app[SERVICES].calls.callback(
        sid=call.sid, status=call.status, direction=call.direction,
        from_number=call.from_number, to_number=call.to_number, duration_s=call.duration_s,
        at=call.timestamp)
    return twiml_response()

"""Twilio's WhatsApp webhooks: inbound messages and status callbacks, signed like SMS (403 for
a forged or unsigned request, nothing stored).

An inbound message's media are fetched from Twilio within `HUB_WHATSAPP_MEDIA_LIMIT` and kept
as attachments; one over the limit (or not fetchable) is listed with the reason and the
request is kept in the quarantine, so nothing is lost. A sender that is not an E.164 number
goes to the quarantine whole. An unknown status is kept in the quarantine and answered 200:
Twilio has nothing to retry."""

from __future__ import annotations

import logging

from aiohttp import web

from channels.sms.webhooks import parse_status_callback
from channels.whatsapp.config import WhatsAppConfig
from channels.whatsapp.media import MediaFetcher
from channels.whatsapp.webhooks import parse_inbound_whatsapp
from hub.domain.messages import InboundMessage
from hub.errors import InvalidInput
from hub.services import Services
from hub.web.keys import SERVICES, SETTINGS
from hub.web.webhooks.twilio import twiml_response, verified_form

log = logging.getLogger("hub.webhooks")


async def inbound_whatsapp(request: web.Request) -> web.Response:
    form = await verified_form(request)
    services = request.app[SERVICES]
    raw = await request.read()
    try:
        message = parse_inbound_whatsapp(form)
    except InvalidInput as exc:
        await services.inbox.quarantine(source="twilio:whatsapp", raw=raw, reason=exc.message,
                                        details={"external_id": form.get("MessageSid", "")[:100]})
        return twiml_response()
    message, problems = await _with_media(request, services, message)
    result = await services.whatsapp.receive(message, raw)
    if problems and result.created:
        await services.inbox.quarantine(
            source="twilio:whatsapp:media", raw=raw, reason="; ".join(problems),
            details={"external_id": message.external_id,
                     "event_id": result.event.id if result.event else None})
    return twiml_response(result.reply)


async def _with_media(request: web.Request, services: Services,
                      message: InboundMessage) -> tuple[InboundMessage, list[str]]:
    media = message.data.get("media")
    config = WhatsAppConfig.from_settings(request.app[SETTINGS])
    if not media or config is None:
        return message, []
    fetcher = MediaFetcher(config)
    listed, problems = [], []
    for number, item in enumerate(media):
        fetched = await fetcher.fetch(item["url"], item.get("content_type"))
        key = await services.inbox.keep_blob(fetched.data) if fetched.data is not None else None
        listed.append({"name": f"media-{number + 1}", "content_type": fetched.content_type,
                       "size": fetched.size, "blob_key": key, "kept": key is not None,
                       "url": item["url"], "problem": fetched.problem})
        if fetched.problem:
            problems.append(f"media {number + 1}: {fetched.problem}")
    return message.model_copy(update={"data": {**message.data, "attachments": listed}}), problems


async def whatsapp_status(request: web.Request) -> web.Response:
    form = await verified_form(request)
    services = request.app[SERVICES]
    try:
        update = parse_status_callback(form)
    except InvalidInput as exc:
        await services.inbox.quarantine(source="twilio:whatsapp:status",
                                        raw=await request.read(), reason=exc.message)
        return twiml_response()
    await services.whatsapp.status(
        update.sid, update.status, error_code=update.error_code,
        error_message=update.error_message, raw=await request.read())
    return twiml_response()

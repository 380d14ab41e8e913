"""Twilio's WhatsApp webhooks turned into typed values: an inbound message (text, media,
location, a quick-reply button) as the common `InboundMessage`, with the sender's number
without its `whatsapp:` prefix. Signatures are checked as for SMS
(`channels.sms.webhooks.signature_valid`). Parsing only: services record the results."""

from __future__ import annotations

import re
from collections.abc import Mapping

from channels.sms.keywords import classify
from channels.sms.webhooks import media_of
from channels.whatsapp.config import PREFIX
from hub.domain.messages import InboundMessage
from hub.errors import InvalidInput

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def whatsapp_number(address: str) -> str:
    """`whatsapp:+31612345678` → `+31612345678`; anything not E.164 is refused (the caller
    keeps the request in the quarantine)."""
    number = address.strip().removeprefix(PREFIX)
    if not E164.match(number):
        raise InvalidInput(f"the WhatsApp sender is not an E.164 number: {address[:60]!r}",
                           details={"field": "From"})
    return number


def is_whatsapp(form: Mapping[str, str]) -> bool:
    """A Twilio callback about a WhatsApp message (its addresses carry the prefix)."""
    return (form.get("ChannelPrefix", "").lower() == "whatsapp"
            or any(form.get(name, "").startswith(PREFIX) for name in ("From", "To")))


def parse_inbound_whatsapp(form: Mapping[str, str]) -> InboundMessage:
    sid = form.get("MessageSid", "").strip()
    if not sid:
        raise InvalidInput("the webhook has no MessageSid", details={"field": "MessageSid"})
    sender = whatsapp_number(form.get("From", ""))
    body = form.get("Body", "")
    data: dict[str, object] = {}
    media = media_of(form)
    if media:
        data["media"] = media
    if form.get("Latitude") and form.get("Longitude"):
        data["location"] = {"latitude": form["Latitude"][:32], "longitude": form["Longitude"][:32],
                            "address": form.get("Address", "")[:500] or None,
                            "label": form.get("Label", "")[:200] or None}
    button = form.get("ButtonText") or form.get("ButtonPayload")
    if button:
        data["button"] = {"text": form.get("ButtonText", "")[:200] or None,
                          "payload": form.get("ButtonPayload", "")[:500] or None}
    text = body or (form.get("ButtonText") or "")
    keyword = classify(text)
    if keyword:
        data["keyword"] = keyword
    if not text and "location" in data:
        location = data["location"]
        assert isinstance(location, dict)
        text = location["label"] or location["address"] or \
            f"{location['latitude']}, {location['longitude']}"
    return InboundMessage(channel="whatsapp", external_id=sid[:1000], from_address=sender,
                          from_name=form.get("ProfileName", "")[:200],
                          to=(form.get("To") or "").removeprefix(PREFIX) or None, text=text,
                          data=data)

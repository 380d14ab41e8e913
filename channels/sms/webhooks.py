"""Twilio's webhooks for SMS: signature checking, and the form fields of an inbound message
or a status callback turned into typed values. Parsing only: services record the results."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from twilio.request_validator import (
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    add_port,
    get_signature_algorithm,
    remove_port,
)

from channels.sms.keywords import classify
from hub.domain.messages import InboundMessage
from hub.errors import InvalidInput

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_MEDIA = 10  # Twilio's limit per MMS
MESSAGE_STATUSES = frozenset({
    "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered",
    "failed", "read", "canceled", "receiving", "received", "partially_delivered"})


def signature_valid(
    auth_token: str | None, url: str, params: Mapping[str, object], headers: Mapping[str, str]
) -> bool:
    """True when `X-Twilio-Signature` matches `url` (our public URL + path + query, never one
    built from forwarding headers) and the POST parameters, with the SDK's own validator."""
    signature = headers.get(SIGNATURE_HEADER)
    if not auth_token or not signature:
        return False
    algorithm = get_signature_algorithm(headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = _validator(auth_token)
    variants = _signed_variants(url)
    if variants is None:  # a JSON body's hash: the SDK's own check
        return bool(validator.validate(url, params, signature, algorithm))
    try:
        return any(hmac.compare_digest(validator.compute_signature(variant, params, algorithm)
                                       .encode(), signature.encode())
                   for variant in variants)
    except ValueError:  # an algorithm this SDK does not know: its validate logs and refuses
        return bool(validator.validate(url, params, signature, algorithm))


@functools.lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


@functools.lru_cache(maxsize=64)
def _signed_variants(url: str) -> tuple[str, ...] | None:
    """The URLs a signature may be over, as the SDK accepts them (with and without the port;
    the one as configured first, so a genuine request costs one HMAC instead of two); None
    for a URL carrying a JSON body's hash. Every webhook of a route has the same URL: parsed
    once, not per request."""
    parsed = urlparse(url)
    if "bodySHA256" in parse_qs(parsed.query):
        return None
    return tuple(sorted({remove_port(parsed), add_port(parsed)}, key=lambda v: v != url))


def twiml(message: str | None = None) -> str:
    """A TwiML answer: empty, or one reply message."""
    if message is None:
        return '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Message>{escape(message)}</Message></Response>")


def _required(form: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = form.get(name, "").strip()
        if value:
            return value
    raise InvalidInput(f"the webhook has no {names[0]}", details={"field": names[0]})


def media_of(form: Mapping[str, str]) -> list[dict[str, str | None]]:
    """The media URLs and types of a Twilio message webhook (SMS/MMS or WhatsApp)."""
    count = form.get("NumMedia", "0")
    return [{"url": url, "content_type": form.get(f"MediaContentType{i}")}
            for i in range(min(int(count) if count.isdigit() else 0, MAX_MEDIA))
            if (url := form.get(f"MediaUrl{i}"))]


def parse_inbound_sms(form: Mapping[str, str]) -> InboundMessage:
    """An inbound SMS/MMS webhook as the common inbound shape; media URLs kept in `data`."""
    sid = _required(form, "MessageSid", "SmsMessageSid", "SmsSid")
    sender = _required(form, "From")
    body = form.get("Body", "")
    media = media_of(form)
    data: dict[str, object] = {}
    if media:
        data["media"] = media
    keyword = classify(body)
    if keyword:
        data["keyword"] = keyword
    if form.get("NumSegments", "").isdigit():
        data["segments"] = int(form["NumSegments"])
    return InboundMessage(channel="sms", external_id=sid[:1000], from_address=sender[:100],
                          to=form.get("To") or None, text=body, data=data)


@dataclass(frozen=True, slots=True)
class MessageStatus:
    sid: str
    status: str
    error_code: str | None
    error_message: str | None


def parse_status_callback(form: Mapping[str, str]) -> MessageStatus:
    sid = _required(form, "MessageSid", "SmsSid")
    status = _required(form, "MessageStatus", "SmsStatus").lower()
    if status not in MESSAGE_STATUSES:
        raise InvalidInput(f"unknown message status {status[:40]!r}",
                           details={"field": "MessageStatus"})
    code = form.get("ErrorCode", "").strip() or None
    return MessageStatus(sid=sid[:1000], status=status, error_code=code and code[:20],
                         error_message=(form.get("ErrorMessage") or None))

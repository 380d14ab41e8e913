"""A local fake of the Twilio REST API (Messages resource), answering like Twilio does:
201 with a message resource, 400 with Twilio's error codes (21211 invalid To, 21602 no body,
21610 unsubscribed recipient), 401 (20003) for bad credentials, and whatever failures a test
queues (429, 500). The real `twilio` SDK reaches it through HUB_TWILIO_API_BASE.

WhatsApp (addresses `whatsapp:+E164`) as Twilio's Messages API answers it: free text only to
a number whose 24-hour window is open (`window_open`, opened by `inbound_whatsapp`), else
63016; an approved template by `ContentSid` (+ `ContentVariables`) at any time; 63003 for a
number not on WhatsApp (`not_on_whatsapp`). Media of inbound messages are served from
`/2010-04-01/Accounts/{sid}/Messages/{sid}/Media/{sid}` with the account's credentials.

Also signs webhooks exactly as Twilio does, with the SDK's own `RequestValidator`."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+3197010203040"
PUBLIC_URL = "https://hub.example.com"


@dataclass
class SentMessage:
    sid: str
    to: str
    body: str
    sender: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    content_sid: str | None = None
    content_variables: str | None = None


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[SentMessage] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    failures: list[tuple[int, int, str]] = field(default_factory=list)  # answered first, FIFO
    requests: int = 0
    paths: list[str] = field(default_factory=list)
    window_open: set[str] = field(default_factory=set)  # WhatsApp numbers that wrote in 24 h
    not_on_whatsapp: set[str] = field(default_factory=set)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path → (type, bytes)
    base_url: str = "https://api.twilio.com"

    def add_media(self, content_type: str, data: bytes) -> str:
        """A media file of an inbound message; returns its URL as Twilio would give it."""
        path = (f"/2010-04-01/Accounts/{self.account_sid}/Messages/MM{secrets.token_hex(16)}"
                f"/Media/ME{secrets.token_hex(16)}")
        self.media[path] = (content_type, data)
        return "https://api.twilio.com" + path

    def fail_next(self, status: int, code: int, message: str, times: int = 1) -> None:
        self.failures.extend([(status, code, message)] * times)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages/{sid}/Media/{media}",
                           self._media)
        return app

    async def _media(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        found = self.media.get(request.path)
        if found is None:
            return self._error(404, 20404, "The requested resource was not found")
        return web.Response(body=found[1], content_type=found[0])

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return web.json_response({"code": code, "message": message, "status": status,
                                  "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                                 status=status)

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.paths.append(request.path)
        if not self._authorised(request) or request.match_info["account"] != self.account_sid:
            return self._error(401, 20003, "Authenticate")
        if self.failures:
            return self._error(*self.failures.pop(0))
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender, service = form.get("From"), form.get("MessagingServiceSid")
        content_sid = str(form.get("ContentSid", "")) or None
        whatsapp = to.startswith("whatsapp:")
        if whatsapp:
            to = to.removeprefix("whatsapp:")
            if not str(sender or "").startswith("whatsapp:"):
                return self._error(400, 63007, "Twilio could not find a Channel with the "
                                   "specified From address")
            if to in self.not_on_whatsapp:
                return self._error(400, 63003, "Channel could not find To address")
            if content_sid is None and to not in self.window_open:
                return self._error(400, 63016, "Failed to send freeform message because you "
                                   "are outside the allowed window.")
            if content_sid is not None:
                body = body or f"[template {content_sid}]"
        if not to.startswith("+") or not to[1:].isdigit() or len(to) < 8:
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        if not sender and not service:
            return self._error(400, 21603, "The 'From' phone number is required.")
        if to in self.unsubscribed:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        self.messages.append(SentMessage(sid, "whatsapp:" + to if whatsapp else to, body,
                                         str(sender) if sender else None,
                                         str(service) if service else None,
                                         str(form.get("StatusCallback") or "") or None,
                                         content_sid,
                                         str(form.get("ContentVariables", "")) or None))
        ascii_only = all(ord(c) < 128 for c in body)
        single, part = (160, 153) if ascii_only else (70, 67)
        units = len(body) if ascii_only else len(body.encode("utf-16-le")) // 2
        segments = 1 if units <= single else -(-units // part)
        now = formatdate(usegmt=True)
        return web.json_response({
            "sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
            "body": body, "to": to, "from": sender, "messaging_service_sid": service,
            "status": "accepted" if service else "queued", "direction": "outbound-api",
            "num_segments": str(segments), "num_media": "0", "price": None,
            "price_unit": "USD", "error_code": None, "error_message": None,
            "date_created": now, "date_updated": now, "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}"
                                          f"/Messages/{sid}/Media.json"},
        }, status=201)


class TwilioSigner:
    """Posts webhooks to a hub test client, signed as Twilio signs them."""

    def __init__(self, client: TestClient, public_url: str = PUBLIC_URL,
                 auth_token: str = AUTH_TOKEN) -> None:
        self.client = client
        self.public_url = public_url
        self.validator = RequestValidator(auth_token)

    def signature(self, path: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(self.public_url + path, params)

    async def post(self, path: str, params: dict[str, str], *, signature: str | None = None,
                   headers: dict[str, str] | None = None, sign: bool = True) -> web.Response:
        all_headers = dict(headers or {})
        if sign:
            all_headers["X-Twilio-Signature"] = signature or self.signature(path, params)
        return await self.client.post(path, data=params, headers=all_headers)  # type: ignore[return-value]

    async def status(self, message: SentMessage, status: str, **extra: str) -> Any:
        """The status callback Twilio would send to the URL given with the message."""
        assert message.status_callback, "the message was sent without a status callback"
        parts = urlsplit(message.status_callback)
        assert f"{parts.scheme}://{parts.netloc}" == self.public_url
        params = {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": ACCOUNT_SID, "From": FROM_NUMBER,
                  "To": message.to, "ApiVersion": "2010-04-01", **extra}
        return await self.post(parts.path + (f"?{parts.query}" if parts.query else ""), params)

    async def inbound_whatsapp(self, fake: FakeTwilio, sender: str, body: str = "",
                               sid: str | None = None, **extra: str) -> Any:
        """A WhatsApp message from `sender` (E.164); opens its 24-hour window at the fake."""
        number = sender.removeprefix("whatsapp:")
        fake.window_open.add(number)
        sid = sid or "SM" + secrets.token_hex(16)
        params = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{number}", "To": f"whatsapp:{FROM_NUMBER}", "Body": body,
                  "NumMedia": "0", "NumSegments": "1", "ProfileName": "Anna",
                  "WaId": number.lstrip("+"), "ApiVersion": "2010-04-01", **extra}
        return await self.post("/webhooks/twilio/whatsapp", params)

    async def inbound_sms(self, sender: str, body: str, sid: str | None = None,
                          **extra: str) -> Any:
        params = {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": ACCOUNT_SID,
                  "From": sender, "To": FROM_NUMBER, "Body": body, "NumMedia": "0",
                  "NumSegments": "1", "ApiVersion": "2010-04-01", **extra}
        params["SmsMessageSid"] = params["MessageSid"]
        return await self.post("/webhooks/twilio/sms", params)

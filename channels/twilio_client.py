"""The twilio SDK client an outbound Twilio adapter (SMS, WhatsApp) sends with: built on first
use, inside the running loop that owns its aiohttp session, against `HUB_TWILIO_API_BASE` when
set; closed with the adapter. Twilio's errors are translated here: rate limits (429), server
errors (5xx) and network trouble are `Transient`; everything else (invalid number 21211,
unsubscribed recipient 21610, ...) is `SendFailed` with Twilio's code, except refused
credentials (20003, HTTP 401), which are `ChannelMisconfigured`."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from channels.sms.http import BaseUrlHttpClient
from hub.errors import ChannelMisconfigured, SendFailed, Transient

log = logging.getLogger("hub.twilio")


class TwilioClient:
    def __init__(self, account_sid: str, auth_token: str, api_base: str | None, *,
                 timeout: float) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._api_base = api_base
        self._timeout = timeout
        self._client: Client | None = None
        self._http: BaseUrlHttpClient | None = None

    def sdk(self) -> Client:
        if self._client is None:
            self._http = BaseUrlHttpClient(self._api_base, timeout=self._timeout)
            self._client = Client(self._account_sid, self._auth_token, http_client=self._http)
        return self._client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None

    async def create_message(self, **params: Any) -> Any:
        """`messages.create_async(**params)`, with Twilio's errors translated."""
        try:
            return await self.sdk().messages.create_async(**params)
        except TwilioRestException as exc:
            raise translate_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(f"Twilio could not be reached: {exc.__class__.__name__}") from exc
        except TwilioException as exc:
            raise Transient(f"Twilio client error: {exc}") from exc


def translate_error(exc: TwilioRestException) -> SendFailed | Transient | ChannelMisconfigured:
    code = str(exc.code) if exc.code is not None else None
    text = _message(exc)
    if exc.status == 401 or code == "20003":
        return ChannelMisconfigured(f"Twilio refused our credentials ({text}); check "
                                    "HUB_TWILIO_ACCOUNT_SID and HUB_TWILIO_AUTH_TOKEN",
                                    provider_code=code)
    if exc.status == 429 or exc.status >= 500:
        return Transient(f"Twilio answered {exc.status}: {text}")
    label = f"Twilio error {code}: {text}" if code else f"Twilio answered {exc.status}: {text}"
    log.info("twilio refused a message", extra={"status": exc.status, "provider_code": code})
    return SendFailed(label, provider_code=code)


def _message(exc: TwilioRestException) -> str:
    """Twilio's own message, without the SDK's 'Unable to create record' prefix."""
    msg = str(exc.msg or "")
    _, sep, rest = msg.partition(": ")
    return (rest if sep else msg)[:500]

"""The twilio SDK client an outbound Twilio adapter (SMS, WhatsApp) sends with: built on first
use, inside the running loop that owns its aiohttp session, against `HUB_TWILIO_API_BASE` when
set; closed with the adapter."""

from __future__ import annotations

from twilio.rest import Client

from channels.sms.http import BaseUrlHttpClient


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

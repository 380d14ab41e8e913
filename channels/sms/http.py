"""The twilio SDK's async HTTP client, pointed at another base URL when configured
(`HUB_TWILIO_API_BASE`, e.g. a local fake of the REST API in tests): the base replaces
`https://api.twilio.com` in every request, paths unchanged.

It also sends the credentials as a ready `Authorization` header, because the SDK's use of
`aiohttp.BasicAuth` is deprecated in current aiohttp and warns on every request."""

from __future__ import annotations

import base64
from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

from channels.sms.config import TWILIO_API


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class BaseUrlHttpClient(AsyncTwilioHttpClient):
    def __init__(self, api_base: str | None, *, timeout: float) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        self._api_base = api_base

    def rewrite(self, url: str) -> str:
        if self._api_base and url.startswith(TWILIO_API + "/"):
            return self._api_base + url[len(TWILIO_API):]
        return url

    async def request(
        self, method: str, url: str, params: dict[str, object] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None, timeout: float | None = None,  # noqa: ASYNC109
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = basic_auth(*auth)
        kwargs: dict[str, Any] = {"params": params, "data": data, "headers": headers,
                                  "timeout": timeout or self.timeout,
                                  "allow_redirects": allow_redirects}
        return await super().request(method, self.rewrite(url), **kwargs)

"""Media of an inbound WhatsApp message, fetched from Twilio with the account's credentials
and a size limit: a file over the limit (by Content-Length, or while reading) is not kept,
only listed with the reason. Only Twilio's own media URLs are fetched (never an address a
webhook could point elsewhere)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from channels.sms.config import TWILIO_API
from channels.sms.http import basic_auth
from channels.whatsapp.config import WhatsAppConfig

log = logging.getLogger("hub.whatsapp")
FETCH_TIMEOUT_S = 10.0
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    url: str
    content_type: str | None
    data: bytes | None  # None: not kept, see `problem`
    size: int | None
    problem: str | None = None


class MediaFetcher:
    def __init__(self, config: WhatsAppConfig) -> None:
        self._config = config

    def _source(self, url: str) -> str | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == TWILIO_API:
            return (self._config.api_base or TWILIO_API) + url[len(TWILIO_API):]
        if self._config.api_base and url.startswith(self._config.api_base + "/"):
            return url
        return None

    async def fetch(self, url: str, content_type: str | None) -> FetchedMedia:
        source = self._source(url)
        if source is None:
            return FetchedMedia(url, content_type, None, None, "not a Twilio media address")
        limit = self._config.media_limit
        headers = {"Authorization": basic_auth(self._config.account_sid, self._config.auth_token)}
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.get(source, headers=headers) as response:
                if response.status != 200:
                    return FetchedMedia(url, content_type, None, None,
                                        f"Twilio answered {response.status} for the media")
                declared = response.content_length
                if declared is not None and declared > limit:
                    return FetchedMedia(url, content_type, None, declared,
                                        f"the media is {declared} bytes; the limit is {limit}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    body.extend(chunk)
                    if len(body) > limit:
                        return FetchedMedia(url, content_type, None, None,
                                            f"the media is over the limit of {limit} bytes")
                return FetchedMedia(url, response.content_type or content_type, bytes(body),
                                    len(body))
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.info("whatsapp media not fetched", extra={"error": exc.__class__.__name__})
            return FetchedMedia(url, content_type, None, None,
                                f"the media could not be fetched: {exc.__class__.__name__}")

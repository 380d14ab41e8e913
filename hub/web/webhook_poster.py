"""The HTTP side of outgoing webhooks: one pooled aiohttp client that posts a signed body,
never follows a redirect, gives up after a timeout, reads at most a small prefix of the
answer (a target that answers with a gigabyte costs us a kilobyte), and refuses to connect
to a private-range address unless the operator allowed it (checked at connection time, so a
name that resolves differently later cannot get around it)."""

from __future__ import annotations

import functools
import ipaddress
import socket
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from hub.domain.webhooks import is_private
from hub.services.webhooks import PostResult

TIMEOUT_S = 10.0
PREFIX_BYTES = 1024


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp does, without private-range addresses (loopback stays)."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = DefaultResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        allowed = [r for r in found if self._allow_private or not is_private(r["host"])]
        if not allowed:
            raise OSError(f"{host} resolves only to private addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


@functools.lru_cache(maxsize=1024)
def refused_address(url: str, allow_private: bool) -> str | None:
    """Why a URL whose host is an IP literal may not be connected to (aiohttp does not ask
    the resolver for those), or None."""
    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: the resolver checks what it resolves to
    if not allow_private and is_private(host):
        return f"{host} is a private address"
    return None


class AiohttpPoster:
    def __init__(self, *, allow_private: bool, timeout_s: float = TIMEOUT_S) -> None:
        self._allow_private = allow_private
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._allow_private), limit=100, limit_per_host=10)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> PostResult:
        started = time.perf_counter()
        refusal = refused_address(url, self._allow_private)
        if refusal is not None:
            return PostResult(None, f"not posted: {refusal}", 0.0)
        try:
            async with self._client().post(url, data=body, headers=headers,
                                           allow_redirects=False) as response:
                await response.content.read(PREFIX_BYTES)
                status = response.status
                if not response.content.at_eof():
                    response.close()  # drop the connection rather than drain a large body
        except TimeoutError:
            return PostResult(None, "the target did not answer in time",
                              (time.perf_counter() - started) * 1000)
        except (aiohttp.ClientError, OSError) as exc:
            return PostResult(None, f"could not post: {exc.__class__.__name__}: {exc}"[:300],
                              (time.perf_counter() - started) * 1000)
        latency = (time.perf_counter() - started) * 1000
        if 300 <= status < 400:
            return PostResult(status, f"the target redirected ({status}); redirects are not "
                              "followed", latency)
        error = None if 200 <= status < 300 else f"the target answered {status}"
        return PostResult(status, error, latency)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

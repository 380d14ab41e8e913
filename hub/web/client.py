"""Who is on the other end of a request: the client address and whether it came over HTTPS.

`X-Forwarded-For` and `X-Forwarded-Proto` are anyone's to write, so they count only when the
TCP peer is one of HUB_TRUSTED_PROXIES (default: none). The forwarded chain is read from the
right: each trusted proxy appended the address it saw, so the first address from the right that
is not a trusted proxy is the client. The log-in throttle, the request log and the session
cookie's Secure flag all read these two functions."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from aiohttp import web

from hub.config import IPNetwork
from hub.web.keys import SETTINGS

UNKNOWN = "unknown"


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None,
             proxies: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def _from_trusted_proxy(request: web.Request) -> bool:
    proxies = request.app[SETTINGS].trusted_proxies
    return bool(proxies) and _trusted(_address(request.remote or ""), proxies)


def client_address(request: web.Request) -> str:
    """The client's IP address: the peer's, or the forwarded one behind a trusted proxy."""
    peer = request.remote or UNKNOWN
    if not _from_trusted_proxy(request):
        return peer
    proxies = request.app[SETTINGS].trusted_proxies
    hops = [hop for header in request.headers.getall("X-Forwarded-For", [])
            for hop in header.split(",")]
    client = peer
    for hop in reversed(hops[-20:]):
        address = _address(hop)
        if address is None:
            break  # garbage in the chain: the last good hop is the best we know
        client = str(address)
        if not _trusted(address, proxies):
            break
    return client


def is_https(request: web.Request) -> bool:
    """True when the browser reached Hub over HTTPS: HUB_PUBLIC_URL says so, the connection
    itself is TLS, or a trusted proxy says `X-Forwarded-Proto: https`."""
    if request.app[SETTINGS].public_url.startswith("https://") or request.scheme == "https":
        return True
    if not _from_trusted_proxy(request):
        return False
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return forwarded.rsplit(",", 1)[-1].strip().lower() == "https"

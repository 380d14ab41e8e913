"""A local receiver of outgoing webhooks (aiohttp), as an integrator would write one: it
verifies every request with the Standard Webhooks reference library AND with an independent
implementation of the spec's verification (below), and drops repeats by `webhook-id`.
Modes let a test take it down (500), retire it (410), redirect, stall, answer with an
endless body, or take a delivery in and never answer (`hold`: the sender cannot know it
arrived)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook


def spec_verify(secret: str, headers: dict[str, str], body: bytes, *,
                tolerance_s: int = 300) -> bool:
    """The spec's verification, written from its text: HMAC-SHA256 keyed with the base64
    secret after `whsec_`, over `{webhook-id}.{webhook-timestamp}.{body}`, base64, compared
    in constant time with each space-separated `v1,<signature>`; timestamp within 5 min."""
    msg_id, stamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and stamp and signatures and stamp.isdigit()):
        return False
    if abs(time.time() - int(stamp)) > tolerance_s:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    for part in signatures.split(" "):
        version, _, signature = part.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


@dataclass
class Receiver:
    secret: str = ""
    mode: str = "ok"  # ok | fail | gone | redirect | slow | huge | hold
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook-id → body
    bad_signatures: int = 0
    redirect_hits: int = 0
    huge_bytes_sent: int = 0
    held: int = 0
    hold_after: int | None = None  # from this many distinct deliveries on: `hold`

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        app.router.add_post("/elsewhere", self._elsewhere)
        return app

    async def _elsewhere(self, request: web.Request) -> web.Response:
        self.redirect_hits += 1
        return web.Response(status=204)

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append((headers, body))
        if self.mode == "fail":
            return web.Response(status=500, text="down for maintenance")
        if self.mode == "gone":
            return web.Response(status=410)
        if self.mode == "redirect":
            raise web.HTTPFound("/elsewhere")
        if self.mode == "slow":
            await asyncio.sleep(5)
        if self.mode == "huge":
            response = web.StreamResponse(status=200)
            await response.prepare(request)
            chunk = b"x" * 65536
            try:
                while self.huge_bytes_sent < 1 << 30:
                    await response.write(chunk)
                    self.huge_bytes_sent += len(chunk)
            except (ConnectionError, RuntimeError):
                pass
            return response
        library_ok = True
        try:
            Webhook(self.secret).verify(body, headers)
        except Exception:  # the library raises its own verification errors
            library_ok = False
        if not (library_ok and spec_verify(self.secret, headers, body)):
            self.bad_signatures += 1
            return web.Response(status=401)
        self.seen.setdefault(headers["webhook-id"], json.loads(body))
        if self.mode == "hold" or (self.hold_after is not None
                                   and len(self.seen) > self.hold_after):
            self.held += 1
            await asyncio.Event().wait()  # until the sender goes away
        return web.Response(status=204)

    def events(self, prefix: str = "") -> list[dict[str, Any]]:
        return [b for b in self.seen.values() if b["type"].startswith(prefix)]

"""Inbound SMS webhooks per second: the hub against a bare aiohttp floor, in one run.

  (a) the hub: signed Twilio inbound-SMS webhooks POSTed by C concurrent clients to
      `/webhooks/twilio/sms` of the real app on a loopback port: signature check, dedupe on
      MessageSid, resolve the sender (a new prospect on first contact), thread, append;
  (b) the floor: a bare aiohttp handler on the same kind of server that reads the same form
      and does a raw insert of the same row (`store.events.append`) on the same store.

Prints requests per second, p50/p99 latency and the ratio. p99 must stay far under Twilio's
15-second webhook timeout.

    python bench/webhooks.py                         # 5,000 webhooks, 32 clients, 1,000 senders
    python bench/webhooks.py --requests 20000 --concurrency 64 --senders 5000

Run from the project root with the project installed. Uses a throw-away SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from aiohttp import ClientSession, TCPConnector, web
from twilio.request_validator import RequestValidator

from hub.config import load_settings
from hub.domain.common import new_id
from hub.domain.events import Event
from hub.ports import Store
from hub.store import create_store
from hub.web.app import create_app

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
OUR_NUMBER = "+3197010203040"
PATH = "/webhooks/twilio/sms"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def payloads(count: int, senders: int) -> list[dict[str, str]]:
    return [{"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": ACCOUNT_SID,
             "From": f"+316{10_000_000 + i % senders}", "To": OUR_NUMBER,
             "Body": f"Hello, this is message {i}", "NumMedia": "0", "NumSegments": "1"}
            for i in range(count)]


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def load(url: str, bodies: Sequence[dict[str, str]], signatures: Sequence[str],
               concurrency: int) -> tuple[float, list[float]]:
    """(seconds for all, per-request latencies); every answer must be 200."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)

    async def client(session: ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, data=bodies[i],
                                    headers={"X-Twilio-Signature": signatures[i]}) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def bare_app(store: Store) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        await store.events.append(Event(
            id=new_id(), channel="sms", direction="inbound", text=str(form["Body"]),
            to=str(form["To"]), external_id=str(form["MessageSid"]), status="received",
            from_=str(form["From"])))
        return web.Response(text='<?xml version="1.0" encoding="UTF-8"?><Response/>',
                            content_type="application/xml")

    app = web.Application()
    app.router.add_post(PATH, handler)
    return app


def report(name: str, seconds: float, latencies: list[float]) -> float:
    quantiles = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / seconds
    print(f"{name:<44} {rate:>9.0f}/s   p50 {quantiles[49] * 1000:7.1f} ms   "
          f"p99 {quantiles[98] * 1000:7.1f} ms   max {max(latencies) * 1000:7.1f} ms")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--senders", type=int, default=1000)
    args = parser.parse_args()
    logging.disable(logging.INFO)

    with tempfile.TemporaryDirectory() as tmp:
        hub_port, bare_port = free_port(), free_port()
        public_url = f"http://127.0.0.1:{hub_port}"
        settings = load_settings({
            "HUB_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "HUB_VAR_DIR": str(Path(tmp) / "var"), "HUB_PUBLIC_URL": public_url,
            "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HUB_TWILIO_FROM": OUR_NUMBER}, dotenv=None)
        store = await create_store(settings)
        validator = RequestValidator(AUTH_TOKEN)
        hub_bodies = payloads(args.requests, args.senders)
        hub_signatures = [validator.compute_signature(public_url + PATH, b) for b in hub_bodies]
        bare_bodies = payloads(args.requests, args.senders)
        hub_runner = await serve(create_app(settings, store=store), hub_port)
        bare_runner = await serve(bare_app(store), bare_port)
        try:
            print(f"{args.requests} signed inbound SMS webhooks, {args.concurrency} concurrent "
                  f"clients, {args.senders} distinct senders, SQLite ({store.backend})")
            hub_s, hub_lat = await load(public_url + PATH, hub_bodies, hub_signatures,
                                        args.concurrency)
            bare_s, bare_lat = await load(f"http://127.0.0.1:{bare_port}{PATH}", bare_bodies,
                                          ["-"] * len(bare_bodies), args.concurrency)
            hub_rate = report("hub: signature, dedupe, resolve, append", hub_s, hub_lat)
            bare_rate = report("floor: bare aiohttp handler + raw insert", bare_s, bare_lat)
            print(f"ratio hub/floor: {hub_rate / bare_rate:.2f}  "
                  f"(p99 vs Twilio's 15 s timeout: "
                  f"{statistics.quantiles(hub_lat, n=100)[98] / 15:.2%})")
            persons = await store.persons.count()
            print(f"stored: {persons} persons created for {args.senders} senders")
        finally:
            await hub_runner.cleanup()
            await bare_runner.cleanup()
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())

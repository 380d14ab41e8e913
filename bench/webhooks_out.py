"""Outgoing webhooks: deliveries per second against a bare aiohttp floor, and the latency
they add to the write that emits them, in one run.

  (a) the hub: E events emitted into the outbox, fanned out to 3 subscriptions on loopback
      receivers, and delivered by the `WebhookWorker` (lease, sign per Standard Webhooks,
      post with the pooled client, record, per subscription in event order);
  (b) the floor: a bare aiohttp client loop that posts the same bodies to the same 3
      receivers, one loop per receiver, signing each post (as the spec requires; the bodies
      are serialised before the timing) and recording nothing; and the same with as many posts
      in flight per receiver as the worker allows per subscription (`IN_FLIGHT`), so the
      ratio against it shows the worker's own cost rather than what concurrency buys;
  (c) the added latency on the request's path: `store.events.append` with the webhook hook
      (one outbox insert) against the same append on a store without it, p50 and p99.

Goals: (a) ≥ 0.7 x (b); (c) added p50 < 1 ms (delivery is asynchronous). Also printed: the
CPU time per delivery of (a) and (b), which a busy machine disturbs less than the rates.

    python bench/webhooks_out.py                 # 1,000 events → 3,000 deliveries
    python bench/webhooks_out.py --events 5000

Run from the project root with the project installed. Uses throw-away SQLite files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from hub.config import load_settings
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event
from hub.ports import Store
from hub.services.webhook_emit import Emitter, emitting
from hub.services.webhooks import (
    IN_FLIGHT,
    WebhookService,
    WebhookWorker,
    signed_headers,
)
from hub.store import create_store
from hub.web.webhook_poster import AiohttpPoster

SUBSCRIPTIONS = 3


async def receivers() -> tuple[list[str], list[int], list[web.AppRunner]]:
    counts = [0] * SUBSCRIPTIONS
    urls, runners = [], []
    for number in range(SUBSCRIPTIONS):
        async def hook(request: web.Request, number: int = number) -> web.Response:
            await request.read()
            counts[number] += 1
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        urls.append(f"http://127.0.0.1:{port}/hook")
        runners.append(runner)
    return urls, counts, runners


async def open_store(folder: Path, name: str) -> Store:
    settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{folder}/{name}.db",
                              "HUB_VAR_DIR": str(folder / "var")}, dotenv=None)
    return await create_store(settings)


def sample_event() -> Event:
    return Event(id=new_id(), person_id=new_id(), channel="sms", direction="inbound",
                 text="Where is my parcel?", from_="+31612345678", status="received",
                 external_id="SM" + new_id())


async def hub_rate(store: Store, urls: list[str], events: int) -> tuple[float, int, float]:
    service = WebhookService(store, allow_private=False)
    for url in urls:
        await service.create(url, ["event.*.inbound"])
    emitter = Emitter(store.webhooks)
    for _ in range(events):
        await emitter.event_appended(sample_event())
    poster = AiohttpPoster(allow_private=False)
    worker = WebhookWorker(store, poster, poll_s=0.0)
    started, cpu = time.perf_counter(), time.process_time()
    await worker.fan_out()
    while True:
        if not await worker.tick():
            break
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await poster.close()
    delivered = 0
    for subscription in await store.webhooks.subscriptions():
        log = await store.webhooks.deliveries(subscription.id, limit=events * 2)
        delivered += sum(1 for d in log if d.state == "delivered")
    return delivered / elapsed, delivered, cpu / max(delivered, 1)


async def floor_rate(urls: list[str], events: int, in_flight: int = 1) -> tuple[float, float]:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    bodies = []
    for _ in range(events):  # built outside the timing (generous to the floor): one per event
        event = sample_event()
        body = json.dumps({"type": "event.sms.inbound", "timestamp": utcnow().isoformat(),
                           "id": event.id, "data": event.to_json()}, separators=(",", ":"))
        bodies.append(("msg_" + new_id(), body))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        async def loop(url: str, share: list[tuple[str, str]]) -> None:
            for delivery_id, body in share:
                # signed per post, as the spec (and the hub) must: the timestamp is the post's
                headers = signed_headers(secret, delivery_id, utcnow(), body)
                async with session.post(url, data=body.encode(), headers=headers,
                                        allow_redirects=False) as response:
                    await response.content.read(1024)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(loop(url, bodies[lane::in_flight]) for url in urls
                               for lane in range(in_flight)))
        posts = events * len(urls)
        return posts / (time.perf_counter() - started), (time.process_time() - cpu) / posts


async def append_latency(store: Store, n: int) -> list[float]:
    times = []
    for _ in range(n):
        event = sample_event()
        started = time.perf_counter()
        await store.events.append(event)
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(events: int, appends: int) -> None:
    logging.disable(logging.WARNING)
    urls, _counts, runners = await receivers()
    stores: list[Store] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await measure(Path(tmp), urls, events, appends, stores)
    finally:  # also when the reader went away: no open store thread keeps the process alive
        for store in stores:
            await store.close()
        for runner in runners:
            await runner.cleanup()


async def measure(folder: Path, urls: list[str], events: int, appends: int,
                  stores: list[Store]) -> None:
    store = await open_store(folder, "hub")
    stores.append(store)
    hub, delivered, hub_cpu = await hub_rate(store, urls, events)
    await stores.pop().close()  # its thread is not left waiting through the floor's runs
    floor, floor_cpu = await floor_rate(urls, events)
    wide, _ = await floor_rate(urls, events, IN_FLIGHT)
    print(f"(a) hub:   {delivered} deliveries to {SUBSCRIPTIONS} subscriptions, "
          f"{hub:,.0f} deliveries/s", flush=True)
    print(f"(b) floor: bare aiohttp client loop, same signed bodies, {floor:,.0f} posts/s; "
          f"{IN_FLIGHT} in flight per receiver: {wide:,.0f} posts/s", flush=True)
    print(f"    ratio: {hub / floor:.2f} x (goal ≥ 0.70); against {IN_FLIGHT} in flight: "
          f"{hub / wide:.2f} x", flush=True)
    print(f"    CPU per delivery (this process, receivers included; steadier than rates on "
          f"a busy machine): hub {hub_cpu * 1e6:,.0f} µs, floor {floor_cpu * 1e6:,.0f} µs: "
          f"{floor_cpu / hub_cpu:.2f} x", flush=True)

    plain = await open_store(folder, "plain")
    stores.append(plain)
    hooked = await open_store(folder, "hooked")
    stores.append(hooked)
    emitting(hooked)
    for store_ in (plain, hooked):  # warm up both
        await append_latency(store_, 200)
    bare, with_hook = [], []
    for _ in range(5):  # interleaved rounds, so load on the machine hits both alike
        bare += await append_latency(plain, appends // 5)
        with_hook += await append_latency(hooked, appends // 5)
    added50 = statistics.median(with_hook) - statistics.median(bare)
    print(f"(c) append p50 {statistics.median(bare):.3f} ms bare, "
          f"{statistics.median(with_hook):.3f} ms with the webhook hook: added "
          f"{added50:.3f} ms p50 (goal < 1 ms); p99 {pct(bare, 0.99):.3f} → "
          f"{pct(with_hook, 0.99):.3f} ms", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--appends", type=int, default=2000)
    arguments = parser.parse_args()
    try:
        asyncio.run(main(arguments.events, arguments.appends))
    except BrokenPipeError:  # `… | head`: the reader left; say nothing more, and go
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)

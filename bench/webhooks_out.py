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

(a) and (b) run alternately in `--rounds` rounds (each on its share of the events; the hub's
worker and poster and the floor's client session live across rounds), so a change of load on
a shared machine hits both alike; the rates are over all rounds, and each round's ratio is
printed too.

Goals: (a) ≥ 0.7 x (b); (c) added p50 < 1 ms (delivery is asynchronous). Also printed: the
CPU time per delivery of (a) and (b), which a busy machine disturbs less than the rates.

    python bench/webhooks_out.py                 # 1,000 events → 3,000 deliveries
    python bench/webhooks_out.py --events 5000 --rounds 5

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


class HubRun:
    """The hub's side, measured round by round: the subscriptions, the pooled poster and the
    worker live across rounds, as in a long-running process; each round emits its events
    (not timed), then times fan-out and delivery until the worker is idle."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.poster = AiohttpPoster(allow_private=False)
        self.worker = WebhookWorker(store, self.poster, poll_s=0.0)
        self.elapsed = self.cpu = 0.0

    async def subscribe(self, urls: list[str]) -> None:
        service = WebhookService(self.store, allow_private=False)
        for url in urls:
            await service.create(url, ["event.*.inbound"])

    async def round(self, events: int) -> float:
        """One round; returns its deliveries per second (all of them are counted at the end)."""
        emitter = Emitter(self.store.webhooks)
        for _ in range(events):
            await emitter.event_appended(sample_event())
        started, cpu = time.perf_counter(), time.process_time()
        await self.worker.fan_out()
        while await self.worker.tick():
            pass
        elapsed = time.perf_counter() - started
        self.elapsed += elapsed
        self.cpu += time.process_time() - cpu
        return events * SUBSCRIPTIONS / elapsed

    async def delivered(self, events: int) -> int:
        await self.poster.close()
        delivered = 0
        for subscription in await self.store.webhooks.subscriptions():
            log = await self.store.webhooks.deliveries(subscription.id, limit=events * 2)
            delivered += sum(1 for d in log if d.state == "delivered")
        return delivered


class FloorRun:
    """The bare loop, with `in_flight` posts per receiver; totals over its rounds (its client
    session, like the hub's poster, lives across them)."""

    def __init__(self, session: aiohttp.ClientSession, in_flight: int) -> None:
        self.session = session
        self.in_flight = in_flight
        self.posts = 0
        self.elapsed = self.cpu = 0.0

    async def round(self, urls: list[str], events: int) -> float:
        rate, cpu = await floor_rate(self.session, urls, events, self.in_flight)
        posts = events * len(urls)
        self.posts += posts
        self.elapsed += posts / rate
        self.cpu += cpu * posts
        return rate


async def floor_rate(session: aiohttp.ClientSession, urls: list[str], events: int,
                     in_flight: int = 1) -> tuple[float, float]:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    bodies = []
    for _ in range(events):  # built outside the timing (generous to the floor): one per event
        event = sample_event()
        body = json.dumps({"type": "event.sms.inbound", "timestamp": utcnow().isoformat(),
                           "id": event.id, "data": event.to_json()}, separators=(",", ":"))
        bodies.append(("msg_" + new_id(), body))

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


async def main(events: int, appends: int, rounds: int) -> None:
    logging.disable(logging.WARNING)
    urls, _counts, runners = await receivers()
    stores: list[Store] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await measure(Path(tmp), urls, events, appends, rounds, stores)
    finally:  # also when the reader went away: no open store thread keeps the process alive
        for store in stores:
            await store.close()
        for runner in runners:
            await runner.cleanup()


async def measure(folder: Path, urls: list[str], events: int, appends: int, rounds: int,
                  stores: list[Store]) -> None:
    store = await open_store(folder, "hub")
    stores.append(store)
    hub = HubRun(store)
    await hub.subscribe(urls)
    ratios = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        floor, wide = FloorRun(session, 1), FloorRun(session, IN_FLIGHT)
        for number in range(rounds):  # alternated, so load on the machine hits each alike
            share = events // rounds + (1 if number < events % rounds else 0)
            hub_round = await hub.round(share)
            ratios.append(hub_round / await floor.round(urls, share))
            await wide.round(urls, share)
    delivered = await hub.delivered(events)
    hub_rate, hub_cpu = delivered / hub.elapsed, hub.cpu / max(delivered, 1)
    floor_rate_, floor_cpu = floor.posts / floor.elapsed, floor.cpu / floor.posts
    wide_rate = wide.posts / wide.elapsed
    print(f"(a) hub:   {delivered} deliveries to {SUBSCRIPTIONS} subscriptions, "
          f"{hub_rate:,.0f} deliveries/s", flush=True)
    print(f"(b) floor: bare aiohttp client loop, same signed bodies, {floor_rate_:,.0f} "
          f"posts/s; {IN_FLIGHT} in flight per receiver: {wide_rate:,.0f} posts/s", flush=True)
    print(f"    ratio: {hub_rate / floor_rate_:.2f} x (goal ≥ 0.70); against {IN_FLIGHT} in "
          f"flight: {hub_rate / wide_rate:.2f} x; per round ({rounds}, alternated): "
          f"{', '.join(f'{r:.2f}' for r in ratios)}", flush=True)
    print(f"    CPU per delivery (this process, receivers included; steadier than rates on "
          f"a busy machine): hub {hub_cpu * 1e6:,.0f} µs, floor {floor_cpu * 1e6:,.0f} µs: "
          f"{floor_cpu / hub_cpu:.2f} x", flush=True)
    await stores.pop().close()

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
    parser.add_argument("--rounds", type=int, default=3,
                        help="hub and floor runs alternated, each on events / rounds")
    arguments = parser.parse_args()
    try:
        asyncio.run(main(arguments.events, arguments.appends, max(1, arguments.rounds)))
    except BrokenPipeError:  # `… | head`: the reader left; say nothing more, and go
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)

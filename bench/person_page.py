"""Person page latency: does `GET /people/{id}` stay as fast for a person with 10,000 events as
for one with 10? (Staff UI, first page of the timeline only.)

Fills a fresh SQLite store with three persons holding `--small` (10), 30 (exactly one
timeline page) and `--large` (10,000) events, plus `--noise` events spread over `--persons`
other persons; starts the app in-process on a loopback port, logs in through the login form
(session cookie and CSRF token, like a browser), then times the HTML person page of each,
round-robin, p50/p99 over `--repeat` requests after `--warmup`, and prints the ratios. The
10-event page renders 10 events and the others 30, so 10,000 vs 30 compares equal work and
10,000 vs 10 includes the cost of rendering 20 more events.

    python bench/person_page.py
    python bench/person_page.py --large 100000 --noise 200000 --repeat 500

Run from the project root with the project installed (`./scripts/test.sh` or
`pip install -e .`). The database lives in a temporary directory and is removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession, CookieJar, web

from hub.config import Settings
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.ports import Store
from hub.services.staff import add_user
from hub.store.sqlite import open_sqlite_store
from hub.web.app import create_app
from hub.web.ui.views import TIMELINE_PAGE as PAGE

EMAIL, PASSWORD = "bench@example.org", "bench password 0123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHANNELS = ("email", "email", "sms", "sms", "call", "note", "webform", "system")


def _id(rng: random.Random, at: datetime) -> str:
    return f"{int(at.timestamp() * 1000):012x}{rng.randbytes(6).hex()}"


def make_events(rng: random.Random, count: int, person_for: Callable[[], str],
                now: datetime) -> list[Event]:
    events = []
    for _ in range(count):
        at = now - timedelta(milliseconds=rng.randrange(365 * 86_400_000))
        channel = rng.choice(CHANNELS)
        direction = ("internal" if channel in ("note", "system")
                     else "outbound" if rng.random() < 0.4 else "inbound")
        events.append(Event(
            id=_id(rng, at), person_id=person_for(), channel=channel,  # type: ignore[arg-type]
            direction=direction,  # type: ignore[arg-type]
            occurred_at=at, recorded_at=at,
            subject="Vraag over mijn bestelling" if channel == "email" else None,
            text="Goedemiddag, ik heb een vraag over mijn bestelling van vorige week.",
            status="delivered" if direction == "outbound" else "received"))
    return events


async def fill(store: Store, args: argparse.Namespace) -> dict[int, str]:
    """One person per timeline size (10, one full page, 10,000) and the noise; returns
    {event count: person id}."""
    rng = random.Random(1)
    now = datetime.now(UTC)
    sizes = sorted({args.small, PAGE, args.large})
    subjects = {size: Person(id=_id(rng, now - timedelta(days=500)), name=f"Timeline {size}",
                             emails=[f"p{size}@bench.example"], preferred_channel="email",
                             phones=[f"+3161234{size % 10000:04d}"]) for size in sizes}
    others = [Person(id=_id(rng, now - timedelta(days=400, milliseconds=i)),
                     name=f"Noise Person {i}") for i in range(args.persons)]
    for person in (*subjects.values(), *others):
        await store.persons.insert(person)
    plan: list[tuple[str | None, int]] = [(p.id, size) for size, p in subjects.items()]
    plan.append((None, args.noise))
    for person_id, count in plan:
        left = count
        while left:
            n = min(left, 5000)
            pick = (lambda p=person_id: p) if person_id else (lambda: rng.choice(others).id)
            await store.events.append_many(make_events(rng, n, pick, now))
            left -= n
    await add_user(store, email=EMAIL, role="service", password=PASSWORD, name="Bench")
    return {size: p.id for size, p in subjects.items()}


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def login(http: ClientSession, base: str) -> None:
    async with http.get(base + "/login") as response:
        token = CSRF.search(await response.text())
    assert token, "no CSRF token on /login"
    async with http.post(base + "/login", allow_redirects=False, data={
            "email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}) as response:
        if response.status != 303:
            raise SystemExit(f"login failed: HTTP {response.status}")


async def time_pages(http: ClientSession, urls: dict[int, str], repeat: int, warmup: int
                     ) -> dict[int, tuple[float, float, int]]:
    """Round-robin over the pages (no order bias from warm caches or GC): {size: (p50, p99,
    bytes)}."""
    sizes: dict[int, int] = {}
    samples: dict[int, list[float]] = {key: [] for key in urls}
    for round_ in range(warmup + repeat):
        for key, url in urls.items():
            t0 = time.perf_counter()
            async with http.get(url) as response:
                body = await response.read()
            elapsed = time.perf_counter() - t0
            if response.status != 200:
                raise SystemExit(f"GET {url}: HTTP {response.status}")
            sizes[key] = len(body)
            if round_ >= warmup:
                samples[key].append(elapsed)
    return {key: (*percentiles(samples[key]), sizes[key]) for key in urls}


async def main(args: argparse.Namespace) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        store = await open_sqlite_store(url)
        t0 = time.perf_counter()
        try:
            subjects = await fill(store, args)
        finally:
            await store.close()
        print(f"filled: persons with {', '.join(f'{n:,}' for n in subjects)} events, "
              f"{args.noise:,} noise events over {args.persons} other persons "
              f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        port = _free_port()
        settings = Settings(
            database_url=url, listen_host="127.0.0.1", listen_port=port,
            public_url=f"http://127.0.0.1:{port}", secret_key=secrets.token_urlsafe(32),
            var_dir=Path(tmp) / "var", log_level="WARNING")
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        try:
            # unsafe=True: keep cookies for an IP-address host such as 127.0.0.1
            async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
                await login(http, base)
                results = await time_pages(
                    http, {n: f"{base}/people/{pid}" for n, pid in subjects.items()},
                    args.repeat, args.warmup)
        finally:
            await runner.cleanup()
    print(f"GET /people/{{id}} (HTML, logged in), {args.repeat} requests each after "
          f"{args.warmup} warm-up, round-robin; the page shows the newest {PAGE} events")
    for count, (p50, p99, size) in results.items():
        print(f"  {count:>7,} events: p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  ({size:,} bytes)")
    large = results[args.large]
    for base_count in sorted({args.small, PAGE}):
        small = results[base_count]
        print(f"  ratio {args.large:,} / {base_count:,}: p50 {large[0] / small[0]:.2f}x  "
              f"p99 {large[1] / small[1]:.2f}x")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--noise", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))

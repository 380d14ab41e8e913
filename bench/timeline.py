"""Timeline read latency and event ingest: the hub against the bare SQLite floor beneath it.

Fills a SQLite store with N events over P persons, one "hot" person holding H of them, then
prints in one run:

  (a) p50/p99 of `GET /api/v1/persons/{hot}/timeline?limit=50` through the real HTTP API
      (the app in-process on a loopback port, a Bearer token), for the first page and for a
      page D pages deep (the cursor found by following `next_cursor` D times);
  (b) a bare aiohttp handler running the same statement (the HTTP floor), and
      the same pages as the raw indexed query the store runs (`timeline_sql`), executed with
      the stdlib `sqlite3` module; the ratios API/raw and deep/first;
  (c) the ingest rate of `store.events.append_many` in batches against raw `executemany`
      into a table of the same shape (same columns and indexes), and one with no indexes.

    python bench/timeline.py                      # 1,000,000 events, 10,000 persons, 100,000 hot
    python bench/timeline.py --events 50000 --persons 1000 --hot 10000
    python bench/timeline.py --reuse              # keep the filled file from a previous run

Run from the project root with the project installed (`./scripts/test.sh` or
`pip install -e .`). The database file is the bench's own: without `--reuse` it is rebuilt, and
a file that is not a bench database is never overwritten.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import secrets
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from hub.config import Settings
from hub.domain.events import Event, TimelineQuery
from hub.domain.parties import Person
from hub.ports import Store
from hub.services.paging import decode_timeline_cursor
from hub.services.staff import create_token
from hub.store.sqlite import SqliteStore, open_sqlite_store, timeline_sql
from hub.store.sqlite_base import dump
from hub.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_facts import print_run_facts

MARKER = "bench:timeline"
CHANNELS = ("email", "email", "email", "sms", "sms", "call", "note", "webform", "survey")
TEXTS = tuple(
    " ".join(random.Random(i).choices(
        ("klant", "vraag", "factuur", "bestelling", "levering", "afspraak", "graag", "dank",
         "voor", "uw", "bericht", "we", "komen", "erop", "terug", "met", "vriendelijke",
         "groet", "order", "invoice", "thanks", "retour", "pakket", "morgen"),
        k=12 + i * 5,
    ))
    for i in range(16)
)


# --- filling --------------------------------------------------------------------------------


def _id(rng: random.Random, at: datetime) -> str:
    return f"{int(at.timestamp() * 1000):012x}{rng.randbytes(6).hex()}"


def make_events(
    rng: random.Random, count: int, person_for: Callable[[], str], start: int, now: datetime
) -> list[Event]:
    """`count` events over the year before `now`, a mix of channels and text sizes."""
    events: list[Event] = []
    for n in range(start, start + count):
        at = now - timedelta(milliseconds=rng.randrange(365 * 86_400_000))
        channel = rng.choice(CHANNELS)
        direction = ("internal" if channel == "note"
                     else "outbound" if rng.random() < 0.4 else "inbound")
        events.append(Event(
            id=_id(rng, at), person_id=person_for(), channel=channel,  # type: ignore[arg-type]
            direction=direction,  # type: ignore[arg-type]
            occurred_at=at, recorded_at=at,
            subject="Vraag over mijn bestelling" if channel == "email" else None,
            text=rng.choice(TEXTS), status="received",
            external_id=f"bench-{n}" if channel in ("email", "sms", "call") else None,
        ))
    return events


async def fill(store: Store, args: argparse.Namespace, now: datetime) -> str:
    """Persons and events; returns the hot person's id."""
    rng = random.Random(0)
    started = time.perf_counter()
    person_ids = [_id(rng, now - timedelta(days=400, milliseconds=i)) for i in range(args.persons)]
    for i, person_id in enumerate(person_ids):
        await store.persons.insert(Person(id=person_id, name=f"Bench Person {i}"))
    hot, others = person_ids[0], person_ids[1:] or person_ids
    hot_left, total_left = args.hot, args.events

    def person_for() -> str:
        nonlocal hot_left, total_left
        pick_hot = rng.random() * total_left < hot_left
        total_left -= 1
        if pick_hot:
            hot_left -= 1
            return hot
        return rng.choice(others)

    stored, build_s, store_s = 0, 0.0, 0.0
    while stored < args.events:
        t0 = time.perf_counter()
        batch = make_events(rng, min(args.batch, args.events - stored), person_for, stored, now)
        t1 = time.perf_counter()
        stored += await store.events.append_many(batch)
        t2 = time.perf_counter()
        build_s, store_s = build_s + t1 - t0, store_s + t2 - t1
        if stored % 100_000 < args.batch or stored == args.events:
            print(f"  filled {stored:>10,} events  ({stored / store_s:,.0f}/s in append_many)",
                  file=sys.stderr)
    await store.channel_state.put(MARKER, {"hot": hot, "events": args.events,
                                           "persons": args.persons, "hot_events": args.hot})
    print(f"  fill took {time.perf_counter() - started:.1f} s "
          f"(building events {build_s:.1f} s, append_many {store_s:.1f} s)", file=sys.stderr)
    return hot


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def prepare(args: argparse.Namespace, now: datetime) -> tuple[str, dict[str, Any]]:
    """Open or build the bench database; returns the hot person's id and the fill figures."""
    path: Path = args.db
    url = f"sqlite:///{path}"
    if args.db_exists:
        store = await open_sqlite_store(url)
        try:
            meta = await store.channel_state.get(MARKER)
        finally:
            await store.close()
        if meta is None:
            raise SystemExit(f"{path} exists and is not a bench database; pick another --db")
        if args.reuse:
            print(f"reusing {path}: {meta['events']:,} events, hot person {meta['hot']}",
                  file=sys.stderr)
            return str(meta["hot"]), meta
        _remove_database(path)
    elif args.reuse:
        print(f"{path} does not exist yet; filling it", file=sys.stderr)
    print(f"filling {path}: {args.events:,} events over {args.persons:,} persons, "
          f"{args.hot:,} on the hot one", file=sys.stderr)
    store = await open_sqlite_store(url)
    try:
        hot = await fill(store, args, now)
    finally:
        await store.close()
    return hot, {"hot": hot, "events": args.events, "persons": args.persons,
                 "hot_events": args.hot}


# --- timing ---------------------------------------------------------------------------------


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def time_async(call: Callable[[], Awaitable[None]], repeat: int, warmup: int
                     ) -> tuple[float, float, float]:
    """(p50, p99, CPU ms of the whole process per call): client and server share the process,
    so the CPU figure counts both sides, as the floor's does; unlike the latencies, a busy
    machine does not inflate it."""
    for _ in range(warmup):
        await call()
    samples = []
    cpu = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return (*percentiles(samples), (time.process_time() - cpu) * 1000 / repeat)


def time_sync(call: Callable[[], None], repeat: int, warmup: int) -> tuple[float, float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bench_reads(args: argparse.Namespace, hot: str) -> dict[str, Any]:
    """API timings with the app up, then the raw timings with it shut down (no idle threads)."""
    url = f"sqlite:///{args.db}"
    store = await open_sqlite_store(url)
    try:
        token = await create_token(store, name="bench", role="admin")
    finally:
        await store.close()
    port = _free_port()
    with tempfile.TemporaryDirectory() as var_dir:
        settings = Settings(
            database_url=url, listen_host="127.0.0.1", listen_port=port,
            public_url=f"http://127.0.0.1:{port}", secret_key=secrets.token_urlsafe(32),
            var_dir=Path(var_dir), log_level="WARNING",
        )
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
                api = await _api_pages(args, http, f"http://127.0.0.1:{port}", hot)
        finally:
            await runner.cleanup()
        floor = await _floor_pages(args, hot, api)
    return api | floor | _raw_pages(args, hot, api)


async def _floor_pages(args: argparse.Namespace, hot: str, api: dict[str, Any]
                       ) -> dict[str, Any]:
    """The HTTP floor: a bare aiohttp handler that runs the same statement with `sqlite3` and
    writes the stored documents out as they are (no auth, no models, no middleware)."""
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    query = TimelineQuery(person_ids=[hot])

    async def handler(request: web.Request) -> web.Response:
        before = decode_timeline_cursor(request.query.get("cursor"))
        sql, params = timeline_sql(query, args.limit + 1, before)
        docs = [doc for (doc,) in con.execute(sql, params).fetchall()]
        body = '{"items":[' + ",".join(docs[: args.limit]) + '],"next_cursor":null}'
        return web.Response(text=body, content_type="application/json")

    bare = web.Application()
    bare.router.add_get("/timeline", handler)
    runner = web.AppRunner(bare, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/timeline"
    try:
        async with ClientSession() as http:
            async def call(cursor: str | None) -> None:
                params = {"cursor": cursor} if cursor else {}
                async with http.get(url, params=params) as response:
                    await response.read()

            runs: dict[str, list[tuple[float, float, float]]] = {"floor_first": [],
                                                                  "floor_deep": []}
            for _ in range(3):  # the floor is the median of 3 runs
                runs["floor_first"].append(
                    await time_async(lambda: call(None), args.requests, args.warmup))
                runs["floor_deep"].append(
                    await time_async(lambda: call(api["cursor"]), args.requests, args.warmup))
            return {name: tuple(statistics.median(run[i] for run in figures)
                                for i in range(3))
                    for name, figures in runs.items()}
    finally:
        await runner.cleanup()
        con.close()


async def _api_pages(args: argparse.Namespace, http: ClientSession, base: str, hot: str
                     ) -> dict[str, Any]:
    url = f"{base}/api/v1/persons/{hot}/timeline"

    async def page(cursor: str | None) -> dict[str, Any]:
        params = {"limit": str(args.limit)} | ({"cursor": cursor} if cursor else {})
        async with http.get(url, params=params) as response:
            body = await response.read()
            if response.status != 200:
                raise SystemExit(f"GET {url} answered {response.status}: {body[:300]!r}")
        return dict(json.loads(body))

    depth = min(args.depth, max(0, args.hot // args.limit - 2))  # a full page after it
    cursor: str | None = None
    for _ in range(depth):
        cursor = (await page(cursor))["next_cursor"]
        if cursor is None:
            raise SystemExit(f"the hot timeline ended before {depth} pages")
    first = await page(None)
    deep = await page(cursor) if cursor else first
    assert len(first["items"]) == len(deep["items"]) == args.limit

    async def fetch(cursor: str | None) -> None:
        # the client does what the floor's does (read the body), not parse it as well
        params = {"limit": str(args.limit)} | ({"cursor": cursor} if cursor else {})
        async with http.get(url, params=params) as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"GET {url} answered {response.status}")

    async def first_call() -> None:
        await fetch(None)

    async def deep_call() -> None:
        await fetch(cursor)

    return {
        "depth": depth, "cursor": cursor,
        "first_ids": [item["id"] for item in first["items"]],
        "deep_ids": [item["id"] for item in deep["items"]],
        "api_first": await time_async(first_call, args.requests, args.warmup),
        "api_deep": await time_async(deep_call, args.requests, args.warmup),
    }


def _raw_pages(args: argparse.Namespace, hot: str, api: dict[str, Any]) -> dict[str, Any]:
    """The floor: the store's own statement (limit + 1, as the timeline service asks for)."""
    query = TimelineQuery(person_ids=[hot])
    result: dict[str, Any] = {}
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    try:
        for name, cursor in (("first", None), ("deep", api["cursor"])):
            sql, params = timeline_sql(query, args.limit + 1, decode_timeline_cursor(cursor))
            rows = con.execute(sql, params).fetchall()
            got = [json.loads(doc)["id"] for (doc,) in rows[: args.limit]]
            assert got == api[f"{name}_ids"], f"the raw {name} page differs from the API's"
            result["plan"] = "; ".join(
                str(r[-1]) for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params))

            def run(sql: str = sql, params: list[Any] = params) -> None:
                con.execute(sql, params).fetchall()

            result[f"raw_{name}"] = time_sync(run, args.requests, args.warmup)
    finally:
        con.close()
    return result


# --- ingest ---------------------------------------------------------------------------------


async def bench_ingest(args: argparse.Namespace, now: datetime) -> dict[str, float]:
    rng = random.Random(1)
    person_ids = [_id(rng, now) for _ in range(100)]
    events = make_events(rng, args.ingest, lambda: rng.choice(person_ids), 0, now)
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    with tempfile.TemporaryDirectory() as tmp:
        store: SqliteStore = await open_sqlite_store(f"sqlite:///{tmp}/store.db")
        try:
            t0 = time.perf_counter()
            for batch in batches:
                await store.events.append_many(batch)
            store_s = time.perf_counter() - t0
            events_table = store.events  # its own column list and row builder: same shape
            columns = ("id", *events_table.columns, "doc")
            rows = [[(e.id, *events_table.indexed(e), dump(e)) for e in batch]
                    for batch in batches]
        finally:
            await store.close()
        ddl = [sql for (sql,) in sqlite3.connect(f"{tmp}/store.db").execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL "
            "ORDER BY type DESC")]  # the table first, then its indexes
        insert = (f"INSERT INTO raw_events ({', '.join(columns)}) "
                  f"VALUES ({', '.join('?' for _ in columns)})")
        same = _raw_insert(f"{tmp}/raw.db", [_rename(s) for s in ddl], insert, rows)
        bare = _raw_insert(f"{tmp}/bare.db", [_rename(ddl[0])], insert, rows)
    n = len(events)
    return {"events": n, "store": n / store_s, "raw": n / same, "bare": n / bare}


def _rename(sql: str) -> str:
    """The events DDL for a table `raw_events` (and `raw_`-prefixed index names)."""
    sql = sql.replace("CREATE TABLE events", "CREATE TABLE raw_events")
    sql = sql.replace(" ON events ", " ON raw_events ").replace(" ON events(", " ON raw_events(")
    return sql.replace("INDEX events_", "INDEX raw_events_")


def _raw_insert(path: str, ddl: list[str], insert: str,
                batches: list[list[tuple[Any, ...]]]) -> float:
    """Seconds to insert pre-serialised rows, one transaction per batch, the store's pragmas."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        for statement in ddl:
            con.execute(statement)
        t0 = time.perf_counter()
        for batch in batches:
            con.execute("BEGIN")
            con.executemany(insert, batch)
            con.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        con.close()


# --- report ---------------------------------------------------------------------------------


def report(args: argparse.Namespace, meta: dict[str, Any], reads: dict[str, Any],
           ingest: dict[str, float]) -> None:
    size = sum(os.path.getsize(f"{args.db}{s}") for s in ("", "-wal") if
               os.path.exists(f"{args.db}{s}"))
    depth = reads["depth"]
    print()
    print(f"Timeline bench: {meta['events']:,} events over {meta['persons']:,} persons; "
          f"the hot person holds {meta['hot_events']:,}")
    print(f"SQLite file {args.db} ({size / 1e6:,.0f} MB); limit={args.limit}; "
          f"{args.requests} timed requests per row after {args.warmup} warm-up")
    print()
    line = "{:<44}{:>12}{:>12}"
    print(line.format("(a, b) timeline page", "p50 ms", "p99 ms"))
    rows = (
        ("API  first page", reads["api_first"]),
        (f"API  page {depth} deep", reads["api_deep"]),
        ("floor first page (bare aiohttp + sqlite3)*", reads["floor_first"]),
        (f"floor page {depth} deep*", reads["floor_deep"]),
        ("raw  first page (sqlite3, timeline_sql)", reads["raw_first"]),
        (f"raw  page {depth} deep", reads["raw_deep"]),
    )
    for name, (p50, p99, *_) in rows:
        print(line.format(name, f"{p50:.3f}", f"{p99:.3f}"))
    ratio = "{:<44}{:>11.1f}x{:>11.1f}x"
    for name, top, bottom in (
        ("ratio API/raw, first page", "api_first", "raw_first"),
        (f"ratio API/raw, page {depth} deep", "api_deep", "raw_deep"),
        ("ratio API/HTTP floor, first page", "api_first", "floor_first"),
        (f"ratio API/HTTP floor, page {depth} deep", "api_deep", "floor_deep"),
        ("ratio deep/first, API", "api_deep", "api_first"),
        ("ratio deep/first, raw", "raw_deep", "raw_first"),
    ):
        print(ratio.format(name, reads[top][0] / reads[bottom][0],
                           reads[top][1] / reads[bottom][1]))
    print("{:<44}{:>12}".format("CPU of the process per request", "ms"))
    for name, key in (("API  first page", "api_first"), (f"API  page {depth} deep", "api_deep"),
                      ("floor first page*", "floor_first"),
                      (f"floor page {depth} deep*", "floor_deep")):
        print(f"{name:<44}{reads[key][2]:>12.3f}")
    for name, top, bottom in (("ratio API/HTTP floor CPU, first page", "api_first",
                               "floor_first"),
                              (f"ratio API/HTTP floor CPU, page {depth} deep", "api_deep",
                               "floor_deep")):
        print(f"{name:<44}{reads[top][2] / reads[bottom][2]:>11.1f}x")
    print("* median of 3 runs; goal: API/HTTP floor p50 <= 2x, deep/first API = 1x")
    print(f"query plan (deep page): {reads['plan']}")
    print()
    line = "{:<44}{:>12}"
    print(line.format(f"(c) ingest, {ingest['events']:,} events in batches of {args.batch:,}",
                      "events/s"))
    print(line.format("store.events.append_many", f"{ingest['store']:,.0f}"))
    print(line.format("raw executemany, same columns and indexes", f"{ingest['raw']:,.0f}"))
    print(line.format("raw executemany, same columns, no indexes", f"{ingest['bare']:,.0f}"))
    print("{:<44}{:>11.1f}x".format("ratio raw/store (same indexes)",
                                    ingest["raw"] / ingest["store"]))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--hot", type=int, default=100_000, help="events of the hot person")
    parser.add_argument("--db", type=Path, default=Path("var/bench/timeline.db"))
    parser.add_argument("--reuse", action="store_true", help="keep an already filled --db")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--depth", type=int, default=500, help="pages deep for the deep page")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per row")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--ingest", type=int, default=100_000, help="events for part (c)")
    args = parser.parse_args(argv)
    if not 0 < args.hot <= args.events or args.persons < 2 or args.limit < 1:
        parser.error("need 0 < --hot <= --events, --persons >= 2, --limit >= 1")
    if args.hot < 2 * args.limit:
        parser.error("--hot must hold at least two pages")
    args.db = args.db.resolve()
    args.db_exists = args.db.exists()
    return args


async def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print_run_facts()
    logging.basicConfig(level=logging.WARNING)
    now = datetime.now(UTC).replace(microsecond=0)
    hot, meta = await prepare(args, now)
    reads = await bench_reads(args, hot)
    ingest = await bench_ingest(args, now)
    report(args, meta, reads, ingest)


if __name__ == "__main__":
    asyncio.run(main())

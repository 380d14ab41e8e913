"""Inbound SMS webhooks per second: the hub against a bare aiohttp floor, in one run.

  (a) the hub: signed Twilio inbound-SMS webhooks POSTed by C concurrent clients to
      `/webhooks/twilio/sms` of the real app on a loopback port: signature check, dedupe on
      MessageSid, resolve the sender (a new prospect on first contact), thread, append;
  (b) the floor: a bare aiohttp handler on the same kind of server that reads the same form
      and does a raw insert of the row (`store.events.append`) on the same store. Its row has
      no person (`--floor person`: the sender's person id, from a dict filled by one identity
      read per sender), so its insert does not fire the triggers a person's event fires.

Prints requests per second, p50/p99 latency and the ratio (goal: >= 0.8, p99 < 250 ms at 32
clients; p99 must stay far under Twilio's 15-second webhook timeout). Each is measured
`--runs` times, hub and floor taking turns (fresh MessageSids each run; the first hub run
also creates the senders), and the medians are compared. The load clients run in the same
process, so the CPU per request of both includes theirs. Logging is set up as `hub serve`
sets it up (INFO, one line per request, written to /dev/null here) unless `--log off`, and
the garbage collector is tuned as `hub serve` tunes it (`hub/collector.py`; both servers run in
this one process, so the floor has it too) unless `--gc default`.

    python bench/webhooks.py                         # 5,000 webhooks, 32 clients, 1,000 senders
    python bench/webhooks.py --requests 20000 --concurrency 64 --senders 5000
    python bench/webhooks.py --log off               # without the request log lines
    python bench/webhooks.py --gc default            # CPython's own collector thresholds
    python bench/webhooks.py --floor person          # the floor's row with its person id
    python bench/webhooks.py --profile               # also: hub and floor CPU side by side, by part
    python bench/webhooks.py --statements            # also: each SQL statement per webhook

After the figures it counts the SQL statements per webhook (known senders) with the
connection's trace callback over one more, unmeasured, batch; `--statements` lists them, string
literals folded to `?`, most frequent first (a trigger program is traced under the text of
the statement that fired it: the event insert's 9 are the insert and 8 trigger programs).

With `--profile`, one more hub run and one more floor run (known senders, not in the figures
above) are sampled on the CPU clock and their CPU per request printed side by side, by part of
the path (`bench/webhooks_profile.py`): the event loop's thread by part, and SQLite's (and any
other) thread as one figure.

Run from the project root with the project installed. Uses a throw-away SQLite file.

What the hub pays per request that the floor does not (3 Dec 2026, `--requests 1500
--senders 300 --profile`, 2 cores shared with other work, load 1.5 to 3: compare the parts,
not the totals; CPU ms per request, sampling included):

    part                                                       hub    floor   hub-floor
    all threads                                                1.79   0.74    +1.04
    SQLite's thread                                            0.70   0.08    +0.62
      the event insert: a person's event fires the triggers    0.16   (no person) *
        that keep their contact and response facts
      the conversation, placed in the append's transaction:    0.25    -      +0.25
        read 0.01, parse 0.04, plan 0.03, dump 0.05, UPDATE 0.08
      lookup: known MessageSid, identity + person, last SMS    0.13    -      +0.13
      group commit: BEGIN, SAVEPOINT, RELEASE, COMMIT          0.08   (autocommit)
      the event's outbox row                                   0.04    -      +0.04
      journeys: wake the person's waiting enrolments (a hop)   0.03    -      +0.03
    event loop thread                                          1.09   0.66    +0.43
      load clients (both pay them)                             0.33   0.26    +0.07
      aiohttp server (the floor's handler counted here)        0.17   0.25    -0.09
      request log line                                         0.06    -      +0.06
      inbox: InboundMessage and Event built, listeners' loop   0.06    -      +0.06
      form and signature (one HMAC over the sorted fields)     0.11   0.03    +0.08
      append: the rows built (event, outbox)                   0.07   0.04    +0.03
      lookup results parsed (identity, person, last SMS)       0.02    -      +0.02
      listeners: conversation, triggers, journeys, surveys     0.04    -      +0.04
      other middleware (locale, security headers, errors)      0.04    -      +0.04
      hand-overs to SQLite's thread, loop callbacks            0.21   0.08    +0.13

    SQLite's thread is split by timing each work and statement on that thread in a separate
    run, scaled to its total here. * `--floor person` (the floor's row with its person id)
    raises the floor's SQLite thread from 0.08-0.10 to 0.21-0.28 ms (two runs): the triggers
    are the price of a person's event, not of the hub's code. Another run of the same
    command, at load 3: hub 1.36, floor 0.86; SQLite's thread 0.53 against 0.10; the loop
    0.83 against 0.76.

The floor stores a row that belongs to nobody; the hub stores the message on a person's
timeline, in their conversation, with its outbox row and their facts, in one transaction,
and answers only after the commit. To reach 0.8x of this floor (hub CPU <= 1.25x the
floor's, about 1.0 ms here from 1.6), some 0.6 ms would have to go: without the triggers
(facts that segments read, issue 20's segment row), without the conversation on the request
path, and with the loop's share near the floor's. What is left to try, each measured against
what it changes: the plain join as SQL alone (the id appended with json_insert, columns set
in SQL, the version still compared: no parse, plan or dump on SQLite's thread, at most 0.1
ms, less what json_insert's re-rendering of the document costs); the journeys wake in the
append's transaction (~0.03 ms and a hop); the form parsed once for signature and fields
(~0.03 ms). Together under 0.2 ms: about 0.55x. Against `--floor person` the same changes
would reach about 0.65x. A second server process gives both sides a core; it does not change
the ratio. Tried and not kept: a `json_set` of the changed fields instead of the whole
conversation document (SQLite parses and re-renders the document for it: slower than the
dump at 20, 200 and 500 event ids).

Each run also prints the process's context switches per request (3 Dec 2026, later: hub 3.7,
floor 0.9). SQLite's thread takes the GIL back around every statement, and the loop thread
then sleeps until it has it again (`bench/dispatch.py`'s docstring: `perf` shows the sleeps
and wake-ups as 14% of a dispatch run's samples). The hub's 18 statements a webhook cost it
about three such switches more than the floor's one insert. Every statement on the loop's
thread instead (a what-if: aiosqlite's hand-over patched out) gave the hub +15% (916 -> 1,057
and 1,045 -> 1,195 webhooks/s) and the floor +35% alike: the ratio did not move.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import re
import secrets
import shlex
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this checkout's code, not another one installed editable
    sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, TCPConnector, web  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.run_facts import context_switches, cpu_s, machine_facts  # noqa: E402
from bench.webhooks_profile import LoopSampler, Profile, side_by_side  # noqa: E402
from hub.collector import tune_for_serving  # noqa: E402
from hub.config import load_settings  # noqa: E402
from hub.domain.common import new_id  # noqa: E402
from hub.domain.events import Event  # noqa: E402
from hub.logs import setup_logging  # noqa: E402
from hub.ports import Store  # noqa: E402
from hub.store import create_store  # noqa: E402
from hub.web.app import create_app  # noqa: E402

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
OUR_NUMBER = "+3197010203040"
PATH = "/webhooks/twilio/sms"
LITERAL = re.compile(r"'[^']*'")


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


def bare_app(store: Store, *, with_person: bool = False) -> web.Application:
    """The floor's handler; `with_person`: the row carries the sender's person id (from a
    dict filled by one identity read per sender), so the insert also pays the triggers a
    person's event fires (their contact and response facts), as the hub's does."""
    persons: dict[str, str | None] = {}

    async def person_of(sender: str) -> str | None:
        if sender not in persons:
            identity = await store.identities.get("phone", sender)
            persons[sender] = identity.person_id if identity is not None else None
        return persons[sender]

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        sender = str(form["From"])
        await store.events.append(Event(
            id=new_id(), channel="sms", direction="inbound", text=str(form["Body"]),
            to=str(form["To"]), external_id=str(form["MessageSid"]), status="received",
            from_=sender, person_id=await person_of(sender) if with_person else None))
        return web.Response(text='<?xml version="1.0" encoding="UTF-8"?><Response/>',
                            content_type="application/xml")

    app = web.Application()
    app.router.add_post(PATH, handler)
    return app


@dataclass(frozen=True, slots=True)
class Run:
    rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: float  # CPU of this process (server, store thread and clients) per request
    switches: float  # context switches of this process per request (the GIL's hand-overs)


def measured(seconds: float, latencies: list[float], cpu: float, switches: int) -> Run:
    quantiles = statistics.quantiles(latencies, n=100)
    return Run(len(latencies) / seconds, quantiles[49] * 1000, quantiles[98] * 1000,
               max(latencies) * 1000, cpu * 1000 / len(latencies), switches / len(latencies))


def report(name: str, run: Run) -> None:
    print(f"{name:<44} {run.rate:>7.0f}/s  p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
          f"max {run.max_ms:7.1f} ms  CPU {run.cpu_ms:5.2f} ms/request  "
          f"switches {run.switches:4.1f}", flush=True)


def median_run(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs)
                 for f in ("rate", "p50_ms", "p99_ms", "max_ms", "cpu_ms", "switches")))


async def count_statements(store: Store, public_url: str, validator: RequestValidator,
                           args: argparse.Namespace) -> None:
    """SQL statements per webhook (known senders) and per thread hop, on SQLite: the
    connection's trace callback counts them over one more, unmeasured, batch."""
    db = getattr(store, "_db", None)
    if db is None:
        return
    statements: list[str] = []
    hops = 0
    execute = db._conn._execute

    async def counted(fn, *fn_args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal hops
        hops += 1
        return await execute(fn, *fn_args, **kwargs)

    bodies = payloads(min(args.requests, 500), args.senders)
    signatures = [validator.compute_signature(public_url + PATH, b) for b in bodies]
    await db._conn.set_trace_callback(statements.append)
    db._conn._execute = counted
    try:
        await load(public_url + PATH, bodies, signatures, args.concurrency)
    finally:
        db._conn._execute = execute
        await db._conn.set_trace_callback(None)
    print(f"SQL per webhook (known senders): {len(statements) / len(bodies):.1f} statements "
          f"(savepoints and group commits included), {hops / len(bodies):.2f} hand-overs to "
          f"the connection's thread")
    if args.statements:
        folded = collections.Counter(" ".join(LITERAL.sub("?", sql).split())
                                     for sql in statements)
        for sql, count in folded.most_common():
            print(f"  {count / len(bodies):5.2f}  {sql[:150]}")


async def sampled(url: str, bodies: Sequence[dict[str, str]], signatures: Sequence[str],
                  concurrency: int) -> Profile:
    """One more run against `url` with the event loop's thread sampled by part."""
    sampler = LoopSampler()
    cpu, loop_cpu = cpu_s(), time.thread_time()
    sampler.start()
    try:
        await load(url, bodies, signatures, concurrency)
    finally:
        sampler.stop()
    return Profile.of(sampler, requests=len(bodies), cpu_s=cpu_s() - cpu,
                      loop_cpu_s=time.thread_time() - loop_cpu)


async def profile(public_url: str, bare_url: str, validator: RequestValidator,
                  args: argparse.Namespace) -> None:
    """One more hub run and one more floor run (known senders), each sampled by part, printed
    side by side: what the hub pays per request that the floor does not."""
    bodies = payloads(args.requests, args.senders)
    signatures = [validator.compute_signature(public_url + PATH, b) for b in bodies]
    hub = await sampled(public_url + PATH, bodies, signatures, args.concurrency)
    bodies = payloads(args.requests, args.senders)
    bare = await sampled(bare_url + PATH, bodies, ["-"] * len(bodies), args.concurrency)
    side_by_side(hub, bare)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each (median)")
    parser.add_argument("--log", choices=("production", "off"), default="production")
    parser.add_argument("--gc", choices=("serving", "default"), default="serving",
                        help="the collector as `hub serve` tunes it, or CPython's default")
    parser.add_argument("--floor", choices=("bare", "person"), default="bare",
                        help="the floor's row without a person (the goal's floor), or with the "
                             "sender's person id (its insert then fires the same triggers)")
    parser.add_argument("--statements", action="store_true",
                        help="also print the SQL statements per webhook, literals folded")
    parser.add_argument("--profile", action="store_true",
                        help="also sample one more hub run: CPU per request by part")
    args = parser.parse_args()
    print("$ " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_facts(), flush=True)
    if args.log == "off":
        logging.disable(logging.INFO)
    else:
        setup_logging("INFO")  # as `hub serve`: formatted lines, here to /dev/null
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115, ASYNC230  # for the run

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
        hub_runner = await serve(create_app(settings, store=store), hub_port)
        bare_runner = await serve(bare_app(store, with_person=args.floor == "person"),
                                  bare_port)
        if args.gc == "serving":
            tune_for_serving()
        try:
            print(f"{args.requests} signed inbound SMS webhooks, {args.concurrency} concurrent "
                  f"clients, {args.senders} distinct senders, SQLite ({store.backend}), "
                  f"logging {args.log}, collector {args.gc}, floor {args.floor}, "
                  f"{args.runs} runs each", flush=True)
            hub_runs: list[Run] = []
            bare_runs: list[Run] = []
            for _ in range(args.runs):
                bodies = payloads(args.requests, args.senders)
                signatures = [validator.compute_signature(public_url + PATH, b) for b in bodies]
                cpu, switches = cpu_s(), context_switches()
                seconds, latencies = await load(public_url + PATH, bodies, signatures,
                                                args.concurrency)
                hub_runs.append(measured(seconds, latencies, cpu_s() - cpu,
                                         context_switches() - switches))
                report("hub: signature, dedupe, resolve, append", hub_runs[-1])
                bodies = payloads(args.requests, args.senders)
                cpu, switches = cpu_s(), context_switches()
                seconds, latencies = await load(f"http://127.0.0.1:{bare_port}{PATH}", bodies,
                                                ["-"] * len(bodies), args.concurrency)
                bare_runs.append(measured(seconds, latencies, cpu_s() - cpu,
                                          context_switches() - switches))
                report("floor: bare aiohttp handler + raw insert", bare_runs[-1])
            hub, bare = median_run(hub_runs), median_run(bare_runs)
            print()
            report(f"hub, median of {args.runs}", hub)
            report(f"floor, median of {args.runs}", bare)
            print(f"ratio hub/floor: {hub.rate / bare.rate:.2f} (goal >= 0.80); CPU per request "
                  f"floor/hub {bare.cpu_ms / hub.cpu_ms:.2f}; hub p99 {hub.p99_ms:.0f} ms (goal "
                  f"< 250 ms; Twilio's timeout is 15 s)")
            persons = await store.persons.count()
            print(f"stored: {persons} persons created for {args.senders} senders")
            await count_statements(store, public_url, validator, args)
            if args.profile:
                await profile(public_url, f"http://127.0.0.1:{bare_port}", validator, args)
        finally:
            await hub_runner.cleanup()
            await bare_runner.cleanup()
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())

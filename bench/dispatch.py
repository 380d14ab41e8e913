"""Campaign dispatch throughput: the whole engine against a bare aiosmtplib loop, and the
engine's peak memory as the audience grows.

Prints in one run:

  (a) messages per second for an N-person email campaign through the whole engine: launch,
      audience snapshot into deliveries, lease, render (subject, text and HTML personalised),
      the real SMTP adapter, the outbound event and the delivery record, on a SQLite store;
      from launch to `completed`, and for the send phase alone (after the snapshot);
  (b) messages per second for a bare aiosmtplib loop sending the same number of pre-rendered
      messages (bytes built before the clock starts) over as many connections as the
      adapter's pool, to the same sink (median of 3 runs); the ratio engine / bare (target:
      >= 80%); and the CPU each spends per message, the steadier figure on a busy machine;
  (c) peak resident memory of the engine process for each audience size in `--sizes`
      (each in a fresh child process on its own database): it must not grow with the audience.

With `--against CHECKOUT` it runs instead the engine alone, on this checkout's code and on
CHECKOUT's (a `git worktree` of the code before a change; this bench drives both) in turn,
`--pairs` times, each run on a copy of one filled database: on a machine whose load moves
by a third between runs, a change is judged by pairs, never by single runs. With
`--sqlite-on-loop` (a what-if, below) this checkout's runs take it and CHECKOUT's do not.

With `--workers N` it measures instead how dispatch scales over worker processes:

  (d) one campaign of `--persons` sent by 1 and by N `hub serve --role worker`-equivalent
      processes (each its own interpreter) on one store, `--store sqlite` (one file, WAL) or
      `--store secantus` (SecantusDB, a MongoDB wire server written in Python, started here:
      its absolute figures are far below a mongod's; the scaling factor is what counts); and
      with `--rate R` (messages per minute) the achieved rate of the N processes against R,
      over the whole run and its busiest 10-second window.

The sink is an aiosmtpd server in a child process that accepts and counts every message; with
`--relay-ms N` it accepts each message N ms after its data, as a relay that writes its queue
or sits across a network does. Engine and bare loop use `--connections` SMTP connections
(HUB_SMTP_CONNECTIONS; default 4), and the garbage collector as `hub serve --role worker`
tunes it (`--gc default`: CPython's own).

    python bench/dispatch.py                       # 10,000; memory 10,000 vs 20,000 (~4 min)
    python bench/dispatch.py --persons 3000 --sizes 3000 --relay-ms 20 --connections 16
    python bench/dispatch.py --sizes 10000,100000  # memory at 10,000 vs 100,000 (~20 min)
    python bench/dispatch.py --persons 2000 --sizes 2000
    python bench/dispatch.py --workers 2 --persons 3000                  # scaling on SQLite
    python bench/dispatch.py --workers 2 --persons 1000 --store secantus --rate 1200
    python bench/dispatch.py --profile --persons 5000   # where the engine's CPU goes
    python bench/dispatch.py --against ../wt-base --pairs 3   # a change against another checkout
    python bench/dispatch.py --against . --sqlite-on-loop all --pairs 3   # the hand-overs' cost

Run from the project root with the project installed (`./scripts/test.sh` or
`pip install -e .`). Everything runs on 127.0.0.1; no mail leaves the machine.

Where the engine's time goes against the bare loop (`--profile`, and each step timed alone
in CPU time; 2 cores shared with the sink and other work, December 2026). The bare loop spends
~0.40 ms of CPU per message, all on its event loop: aiosmtplib's `sendmail` (its address
parsing, MAIL, RCPT and DATA, the socket writes, the replies read). The engine pays that on
the same connections (`--profile`'s "hand-over" part, with the MIME bytes, and most of its
"event loop" part: the SMTP replies arrive there), and on its event loop per message also:

    what the bare loop does not do                                    ms per message
    render: three template fills, the variables, the preference link     ~0.04
    prepare: the outbound event (a pydantic model), the adapter's
      message, the signed reply and unsubscribe tokens                   ~0.03
    choose the channel (consent per address, read fresh) and hold        ~0.02
    the rest of readying a delivery (A/B check, headers, copies)         ~0.04
    MIME bytes (`wire_message`; the bare loop builds them before
      its clock starts)                                                  ~0.05
    start rows: the claimed delivery, the event and its outbox row
      as JSON (pydantic copies and dumps)                                ~0.05
    end rows: the sent delivery, the status change, its outbox row       ~0.05
    the campaign's status read before each hand-over (a pause or
      cancel confirmed to staff stops every send not handed over yet)    ~0.03
    the loop's own extra work: the chunk tasks, the hops to the SQLite
      thread, the pool's semaphore, garbage collection (~0.04)           ~0.2
    event loop in all (a quiet `--profile`): engine ~1.0, bare ~0.4

Measured (10,000 persons, three runs alternated with the code before, machine shared with
other work, load 0.6 to 6): CPU per message 1.71 ms (before 2.06), event loop 1.23 (1.47),
SQLite thread 0.49 (0.59); ratio engine / bare 38% (33%), medians; the ratio swings with the
load (30% to 60%). The status read before each hand-over goes to the store's reader connection
instead of queueing on the main one behind chunk writes.

On the SQLite connection's thread ~0.36 ms: the event insert with its indexes and
triggers ~0.09; the event's status and provider id at the end ~0.09 (a `json_set`, but the
triggers and the indexes over the document parse it again); commits ~0.08; the delivery
updates ~0.06; outbox rows ~0.03. That thread runs beside the loop, but shares the two cores
with it and with the sink.

What 0.5x would take: the event loop at ~0.8 ms per message, ~0.2 ms less. Candidates, with
what each would save: the start and end rows built from a per-campaign JSON skeleton instead
of pydantic copies and dumps (~0.06); the event and the adapter's message built without
validation (~0.02); no sharing machinery around the status read where the store answers in
microseconds (SQLite; ~0.03); `gc.freeze()` after start-up (~0.02).

Done since (same day): chunks of 48 sends instead of the worker's concurrency (8), so a
chunk's write no longer holds up the hand-overs (the loop was busy only about half the run).
Quiet machine, same command: 460 msg/s before (ratio 24-29%, CPU 1.6-2.05 ms, 4 runs); with
chunks of 32, 601-604 msg/s (30-33%); 48-58, 497-737 msg/s (32-48%, CPU 1.32-1.98 ms, 5 runs,
load 0.7-1.2). The price: a crash leaves up to 96 sends claimed and not handed over
(`unknown`, never resent), 16 before. What 0.8x would take: the engine's loop within
~0.1 ms of the bare loop's, which one Python process that renders, builds MIME and records
every send cannot reach: render, MIME and rows would have to leave the sending loop (worker
processes preparing chunks, the loop only handing bytes over), on a machine with cores to
spare (here two worker processes gave 1.22x one: the sink needs a core too).

The one-core bound (2026-12-03). In every run the engine process's CPU per message times its
rate is 0.93 to 0.98 of one core: its event loop (~0.95 ms a message) and SQLite's thread
(~0.4 ms) take turns rather than run side by side, though SQLite gives up the GIL while a
statement runs. So 0.5x of a bare loop at ~2,300 msg/s (1,150 msg/s) needs the whole process
at ~0.87 ms a message; it is 1.3 to 1.45. Tried, paired with the code before (10,000
persons, medians of 3 engine runs on one filled database): the chunk writes as one statement
per kind of row (`UPDATE ... FROM (VALUES ...)`, `INSERT ... VALUES (...), (...)`: six
statements a chunk instead of ~150, so SQLite's work runs in one stretch without the GIL):
584 against 600 msg/s, no gain, not kept; `sys.setswitchinterval` at 0.1 to 2 ms: within
the noise; the status read before each hand-over left out (not shippable; the most any
cheaper read could give): 676 -> 719 msg/s, +6%; two worker processes (`--workers 2
--persons 10000`): 881 -> 813 msg/s, 0.92x, the two cores already busy with both workers,
their SQLite threads and the sink; the collector tuned as `hub serve` tunes it: +8 to 14%,
now the bench's default, for the bare loop too. Quiet runs since: 0.31x, 0.36x.

What the one-core bound is (2026-12-03, later; `perf record -F 999 -g -p <engine pid>` over
six seconds of a run, `perf report --sort pid,dso`): SQLite's thread hardly runs Python
(libpython 2% of the process's samples; the kernel's page writes 12%, SQLite 7%), so it does
give up the GIL; but it takes the GIL back around every statement, and each time the loop
thread, which gives it up at every socket call, sleeps until it can have it again: 14% of the
process's samples are the kernel putting threads to sleep and waking them. The engine makes
about 10 context switches a message, the bare loop 1.5 (printed under (a)). Taking the
statements off aiosqlite's thread shows what those hand-overs cost (`--sqlite-on-loop`, a
what-if that blocks the loop while a statement runs, not a mode Hub has; `--against .
--sqlite-on-loop all --pairs 3`, 10,000 persons, medians of three sets of pairs): all of
them, +30% (767 -> 994 msg/s, CPU 1.28 -> 0.93 ms a message), +18% (892 -> 1,057, CPU 1.09
-> 0.87) and +9% (882 -> 961, CPU 1.10 -> 0.97), 0.8 switches a message, a chunk's write 7-8
ms instead of 16-20; the chunk writes alone (`writes`), +8% and -3% (the per-send status read
still crosses to the reader's thread: 7.7 switches a message). In single runs with every
statement on the loop the ratio was 0.36x to 0.46x: closer, still not 0.5x, and the loop
would stall for every write (a busy lock, a checkpoint's fsync). What it would take in Hub:
short statements run on the loop when the file's lock is free (`busy_timeout` 0, the thread
when busy), checkpoints kept on the thread; or a store writer in a process of its own.

Where a relay takes its time the exchange sets the pace, not the CPU (`--relay-ms 20`,
3,000 persons, 2026-12-03):

    connections (HUB_SMTP_CONNECTIONS)      4       8      16      24
    engine, msg/s                          148     259     445     607
    bare loop, msg/s                       163     285     547     886
    ratio engine / bare                   0.91    0.91    0.81    0.69

Up to 16 connections the engine is at 0.8x or better; at 24 the two cores bind again.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the code measured: this checkout's, or another's in a `--against` run (this bench drives it)
CODE = Path(os.environ.get("HUB_BENCH_CODE") or ROOT)
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))

from bench.run_facts import context_switches, cpu_s, machine_facts  # noqa: E402

EMAIL_FROM = "news@shop.example"


# --- the sink (a child process) ------------------------------------------------------------


def serve_sink(port: int, relay_ms: float) -> None:
    """Accept every message and count it, each after `relay_ms` (a relay's own work and
    distance); print the count when told to stop (SIGTERM)."""
    import signal

    from aiosmtpd.controller import Controller

    class Counting:
        count = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if relay_ms:
                await asyncio.sleep(relay_ms / 1000)
            Counting.count += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stopped = False

    def stop(*_: Any) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, stop)
    while not stopped:
        time.sleep(0.1)
    controller.stop()
    print(Counting.count, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sink(relay_ms: float = 0.0) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve-sink", str(port),
                                "--relay-ms", str(relay_ms)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process, port


def stop_sink(process: subprocess.Popen[str]) -> int:
    process.terminate()
    out, _ = process.communicate(timeout=30)
    return int(out.split()[-1])


# --- the engine ----------------------------------------------------------------------------


def settings_for(database: Path | str, port: int, var: Path | None = None) -> Any:
    """Settings on a SQLite file (a Path) or a store URL (a str, with `var`); the SMTP pool
    from HUB_SMTP_CONNECTIONS in the environment (the orchestrator sets it: `--connections`)."""
    from hub.config import load_settings

    url = f"sqlite:///{database}" if isinstance(database, Path) else database
    var_dir = database.parent if isinstance(database, Path) else var
    pool = os.environ.get("HUB_SMTP_CONNECTIONS")
    return load_settings({
        "HUB_DATABASE_URL": url, "HUB_VAR_DIR": str(var_dir),
        "HUB_SECRET_KEY": "k" * 32, "HUB_EMAIL_FROM": EMAIL_FROM,
        "HUB_SMTP_URL": f"smtp://127.0.0.1:{port}", "HUB_MARKETING_CAP": "off",
        "HUB_QUIET_HOURS": "off", "HUB_QUIET_DAYS": "off",
        **({"HUB_SMTP_CONNECTIONS": pool} if pool else {})}, dotenv=None)


async def fill(database: Path | str, persons: int, var: Path | None = None) -> None:
    """N persons with an address and an opt-in, a third of them in households of two."""
    from hub.domain.common import new_id
    from hub.domain.consent import ConsentState
    from hub.domain.parties import Household, Person
    from hub.store import create_store

    store = await create_store(settings_for(database, 25, var))
    opted_in = ConsentState(status="opted_in", source="bench")
    household: str | None = None
    for i in range(persons):
        if i % 6 == 0:
            household = new_id()
            await store.households.insert(Household(id=household, name=f"Household {i}"))
        await store.persons.insert(Person(
            id=new_id(), name=f"Person{i} Jansen", emails=[f"p{i}@bench.example"],
            household_id=household if i % 6 < 2 else None, consent={"email": opted_in},
            preferred_channel="email"))
    await store.close()


async def run_engine(database: Path, port: int, gc: str) -> dict[str, Any]:
    """Launch one email campaign over everyone in `database` and run a worker to the end."""
    from campaigns.engine.lifecycle import CampaignService
    from hub.domain.campaigns import Campaign, MessageTemplate
    from hub.domain.common import new_id
    from hub.store import create_store
    from hub.wiring import assemble, build_adapters, build_worker, dispatch_config

    settings = settings_for(database, port)
    if os.environ.get(ON_LOOP):
        statements_on_loop(os.environ[ON_LOOP])
    store = await create_store(settings)
    adapters = build_adapters(settings)
    collector(gc)
    template = MessageTemplate(
        id=new_id(), name="News", channel="email", subject="News for {{ person.first_name }}",
        body="Dear {{ person.name }},\n\nOur spring news is here.\n\nUnsubscribe: "
             "{{ unsubscribe_url }}\n",
        html="<p>Dear {{ person.name }},</p><p>Our spring news is here.</p>"
             "<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>")
    await store.templates.insert(template)
    service = CampaignService(store)
    campaign = await service.create(Campaign(
        id=new_id(), name="Bench", filter={"field": "email", "op": "exists", "value": True},
        channels=["email"], templates={"email": template.id}))
    config = dataclasses.replace(dispatch_config(settings), poll_s=0.02)
    worker = build_worker(assemble(store, settings, adapters), config)
    stop = asyncio.Event()
    started, cpu_started, main_started = time.perf_counter(), cpu_s(), time.thread_time()
    switches_started = context_switches()
    await service.launch(campaign.id)
    task = asyncio.create_task(worker.run(stop))
    snapshot_s: float | None = None
    snapshot_cpu = 0.0
    while True:
        current = await store.campaigns.get(campaign.id)
        assert current is not None
        if snapshot_s is None and current.snapshot_complete:
            snapshot_s, snapshot_cpu = time.perf_counter() - started, cpu_s() - cpu_started
        if current.status == "completed":
            break
        await asyncio.sleep(0.05)  # the watch is charged to the engine: look rarely
    total_s, cpu = time.perf_counter() - started, cpu_s() - cpu_started
    main_cpu = time.thread_time() - main_started  # the event loop's thread alone
    switches = context_switches() - switches_started
    stop.set()
    await task
    counts = await store.deliveries.counts(campaign.id)
    for adapter in adapters.values():
        await adapter.close()
    await store.close()
    sent = counts.get("sent")
    send_s = total_s - (snapshot_s or 0.0)
    return {"sent": sent, "by_status": counts.by_status, "total_s": total_s,
            "snapshot_s": snapshot_s, "rate": sent / total_s, "send_rate": sent / send_s,
            "peak_rss_mib": peak_rss_mib(), "cpu_ms": cpu * 1000 / sent,
            "main_cpu_ms": main_cpu * 1000 / sent, "switches": switches / sent,
            "send_cpu_ms": (cpu - snapshot_cpu) * 1000 / sent}


ON_LOOP = "HUB_BENCH_SQLITE_ON_LOOP"  # set by --sqlite-on-loop for the engine's processes


def statements_on_loop(which: str) -> None:
    """A what-if, not a mode Hub has: the store's statements run on the event loop's thread
    instead of being handed to aiosqlite's (`which`: "all" of them, or only the "writes" of
    `Database.atomically`: the chunk writes), blocking the loop while they run. What it saves
    is what the hand-overs between the two threads cost: the GIL passed back and forth around
    every statement, each pass a sleep and a wake-up. Patches aiosqlite before the store
    connects."""
    import aiosqlite

    from hub.store.sqlite_db import _run_batch  # what `Database.atomically` hands over

    connect, hand_over = aiosqlite.connect, aiosqlite.Connection._execute

    def shared_connect(*args: Any, **kwargs: Any) -> aiosqlite.Connection:
        return connect(*args, **{**kwargs, "check_same_thread": False})

    async def execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if which == "writes" and fn is not _run_batch:
            return await hand_over(self, fn, *args, **kwargs)
        return fn(*args, **kwargs)

    aiosqlite.connect = shared_connect
    aiosqlite.Connection._execute = execute  # type: ignore[method-assign]


def collector(gc: str) -> None:
    """The garbage collector as `hub serve --role worker` tunes it (`hub/collector.py`), after
    start-up and before the clock starts, or CPython's default (`--gc default`)."""
    if gc == "serving":
        from hub.collector import tune_for_serving

        tune_for_serving()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- the bare loop -------------------------------------------------------------------------


async def run_bare(n: int, port: int, connections: int, gc: str) -> dict[str, Any]:
    """The floor: aiosmtplib sending pre-rendered bytes, `connections` clients in parallel."""
    import aiosmtplib

    from channels.email.mime import build_message
    from hub.domain.common import new_id
    from hub.ports import OutboundMessage

    messages: list[tuple[str, bytes]] = []
    for i in range(n):
        to = f"p{i}@bench.example"
        mail = build_message(OutboundMessage(
            event_id=new_id(), channel="email", to=to, subject=f"News for Person{i}",
            text=f"Dear Person{i} Jansen,\n\nOur spring news is here.\n\nUnsubscribe: "
                 f"https://hub.example/u/{new_id()}\n",
            html=f"<p>Dear Person{i} Jansen,</p><p>Our spring news is here.</p>",
            headers={"List-Unsubscribe": "<https://hub.example/u/x>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}), EMAIL_FROM)
        messages.append((to, bytes(mail)))
    queue = iter(messages)
    collector(gc)

    async def sender() -> int:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        sent = 0
        for to, raw in queue:
            await client.sendmail(EMAIL_FROM, [to], raw)
            sent += 1
        await client.quit()
        return sent

    started, cpu_started, switches_started = time.perf_counter(), cpu_s(), context_switches()
    sent = sum(await asyncio.gather(*(sender() for _ in range(connections))))
    elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu_started
    return {"sent": sent, "total_s": elapsed, "rate": sent / elapsed,
            "cpu_ms": cpu * 1000 / sent,
            "switches": (context_switches() - switches_started) / sent}


# --- scaling over worker processes ---------------------------------------------------------


async def run_worker(url: str, port: int, var: str, gc: str) -> None:
    """One worker process, as `hub serve --role worker` runs it, until killed."""
    from hub.store import create_store
    from hub.wiring import assemble, build_adapters, build_worker, dispatch_config

    settings = settings_for(url, port, Path(var))
    store = await create_store(settings)
    collector(gc)
    config = dataclasses.replace(dispatch_config(settings), poll_s=0.02)
    await build_worker(assemble(store, settings, build_adapters(settings)), config).run()


async def launch(url: str, var: Path, rate: int | None) -> str:
    from campaigns.engine.lifecycle import CampaignService
    from hub.domain.campaigns import Campaign, MessageTemplate
    from hub.domain.common import new_id
    from hub.store import create_store

    store = await create_store(settings_for(url, 25, var))
    template = MessageTemplate(id=new_id(), name="News", channel="email",
                               subject="News for {{ person.first_name }}",
                               body="Dear {{ person.name }},\n\nUnsubscribe: "
                                    "{{ unsubscribe_url }}\n")
    await store.templates.insert(template)
    service = CampaignService(store)
    campaign = await service.create(Campaign(
        id=new_id(), name=f"Scale {new_id()}", channels=["email"],
        filter={"field": "email", "op": "exists", "value": True},
        templates={"email": template.id}, rate_per_minute=rate))
    await service.launch(campaign.id)
    await store.close()
    return campaign.id


async def campaign_run(url: str, var: Path, workers: int, rate: int | None,
                       arrived: list[float], gc: str) -> dict[str, Any]:
    """Launch a campaign over everyone, start `workers` processes, time it to `completed`."""
    from hub.store import create_store

    campaign_id = await launch(url, var, rate)
    store = await create_store(settings_for(url, 25, var))
    first = len(arrived)
    started = time.perf_counter()
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--work", url, str(SINK_PORT[0]), str(var), "--gc", gc,
        cwd=ROOT)
        for _ in range(workers)]
    try:
        while True:
            current = await store.campaigns.get(campaign_id)
            if current is not None and current.status == "completed":
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        counts = await store.deliveries.counts(campaign_id)
    finally:
        for process in processes:
            process.kill()
            await process.wait()
        await store.close()
    times = arrived[first:]
    return {"sent": counts.get("sent"), "by_status": counts.by_status, "total_s": elapsed,
            "rate": counts.get("sent") / elapsed,
            "busiest_10s": busiest(times, 10.0) if times and times[-1] - times[0] > 10 else None}


def busiest(times: list[float], window_s: float) -> int:
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most


SINK_PORT: list[int] = []


def scaling(args: argparse.Namespace) -> None:
    from aiosmtpd.controller import Controller

    arrived: list[float] = []

    class Timed:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            arrived.append(time.perf_counter())
            return "250 OK"

    SINK_PORT.append(free_port())
    controller = Controller(Timed(), hostname="127.0.0.1", port=SINK_PORT[0])
    controller.start()
    with tempfile.TemporaryDirectory(prefix="hub-bench-scaling-") as tmp:
        var = Path(tmp) / "var"
        var.mkdir()
        server = None
        if args.store == "secantus":
            from tests.contracts.secantus import start_secantus

            server = start_secantus(Path(tmp))
            url = f"mongodb://127.0.0.1:{server.port}/bench?directConnection=true"
        else:
            url = f"sqlite:///{tmp}/hub.db"
        try:
            started = time.perf_counter()
            asyncio.run(fill(url, args.persons, var))
            print(f"filled {args.persons:,} persons on {args.store} in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            runs = {}
            for workers in sorted({1, args.workers}):
                runs[workers] = asyncio.run(campaign_run(url, var, workers, None, arrived,
                                                       args.gc))
                print(f"{workers} worker process(es): {runs[workers]['rate']:.0f} msg/s",
                      flush=True)
            limited = None
            if args.rate:
                limited = asyncio.run(campaign_run(url, var, args.workers, args.rate, arrived,
                                                  args.gc))
        finally:
            controller.stop()
            if server is not None:
                server.stop()
    one, many = runs[1], runs[args.workers]
    print()
    print(f"(d) {args.store}, {args.persons:,} persons, one campaign each run:")
    for workers, run in sorted(runs.items()):
        print(f"    {workers} worker process(es): {run['sent']:,} sent in {run['total_s']:.1f} s"
              f" = {run['rate']:.0f} msg/s")
    print(f"    scaling factor {args.workers} / 1 processes: {many['rate'] / one['rate']:.2f}x")
    if limited is not None:
        achieved = limited["rate"] * 60
        print(f"    rate {args.rate:,}/min set, {args.workers} processes: {achieved:,.0f}/min "
              f"achieved over the run ({achieved / args.rate:.0%} of the rate)"
              + (f"; busiest 10 s window {limited['busiest_10s']:,} = "
                 f"{limited['busiest_10s'] * 6 / args.rate:.0%} of the rate"
                 if limited["busiest_10s"] else ""))
    for run in (*runs.values(), *([limited] if limited else [])):
        if set(run["by_status"]) != {"sent"}:
            print(f"    WARNING: a run ended with {run['by_status']}")


# --- orchestration -------------------------------------------------------------------------


def child(*args: str, code: Path = CODE) -> dict[str, Any]:
    """Run one phase in a fresh interpreter (so its peak memory is its own) on `code` (a
    checkout); its JSON answer."""
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, cwd=code, env={**os.environ, "HUB_BENCH_CODE": str(code),
                                                   "PYTHONPATH": str(code)}).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def pairs(args: argparse.Namespace) -> None:
    """The engine alone, this checkout's and `--against`'s in turn, each run on a copy of one
    filled database, to the same sink: a change's effect on a machine whose load moves. A
    `--sqlite-on-loop` what-if applies to this checkout's runs only (`--against .` pairs the
    what-if with the code as it is)."""
    other = Path(args.against).resolve()
    what_if = os.environ.pop(ON_LOOP, None)
    this = f"this, --sqlite-on-loop {what_if}" if what_if else "this"
    runs: dict[str, list[dict[str, Any]]] = {this: [], str(other): []}
    sink, port = start_sink(args.relay_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="hub-bench-pairs-") as tmp:
            filled = Path(tmp) / "filled" / "hub.db"
            filled.parent.mkdir()
            child("--fill", str(filled), str(args.persons))
            for turn in range(args.pairs):
                for name, checkout in ((this, ROOT), (str(other), other)):
                    if name == this and what_if:
                        os.environ[ON_LOOP] = what_if
                    else:
                        os.environ.pop(ON_LOOP, None)
                    database = Path(tmp) / f"{turn}-{len(runs[name])}-{checkout.name}"
                    shutil.copytree(filled.parent, database)
                    run = child("--engine", str(database / "hub.db"), str(port), "--gc",
                                args.gc, code=checkout)
                    shutil.rmtree(database)
                    runs[name].append(run)
                    print(f"{name}: {run['rate']:.0f} msg/s, CPU {run['cpu_ms']:.2f} ms a message"
                          f" (event loop {run['main_cpu_ms']:.2f}), context switches "
                          f"{run['switches']:.1f} a message", flush=True)
    finally:
        stop_sink(sink)
    for name, found in runs.items():
        print(f"median of {len(found)}, {name}: "
              f"{statistics.median(r['rate'] for r in found):.0f} msg/s, CPU "
              f"{statistics.median(r['cpu_ms'] for r in found):.2f} ms a message")


BARE_RUNS = 3


def profile(persons: int, gc: str, relay_ms: float) -> None:
    sink, port = start_sink(relay_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="hub-bench-dispatch-") as tmp:
            database = Path(tmp) / "hub.db"
            child("--fill", str(database), str(persons))
            subprocess.run([sys.executable, __file__, "--profile-engine", str(database),
                            str(port), "--gc", gc], check=True, cwd=ROOT)
    finally:
        stop_sink(sink)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=10_000,
                        help="audience of the throughput comparison (default 10,000)")
    parser.add_argument("--sizes", default="10000,20000",
                        help="audience sizes for the memory comparison, comma-separated")
    parser.add_argument("--connections", type=int, default=None,
                        help="SMTP connections of the engine (HUB_SMTP_CONNECTIONS) and of the "
                             "bare loop (default: the setting's default, 4)")
    parser.add_argument("--relay-ms", type=float, default=0.0,
                        help="the sink accepts each message after this many milliseconds, as a "
                             "relay farther away would (default 0)")
    parser.add_argument("--workers", type=int, default=None,
                        help="measure dispatch over 1 and this many worker processes instead")
    parser.add_argument("--store", choices=("sqlite", "secantus"), default="sqlite",
                        help="the store of the --workers measurement")
    parser.add_argument("--rate", type=int, default=None,
                        help="with --workers: also run at this campaign rate (per minute)")
    parser.add_argument("--profile", action="store_true",
                        help="instead: where the engine's CPU goes per message, by part "
                             "(bench/dispatch_profile.py)")
    parser.add_argument("--sqlite-on-loop", choices=("all", "writes"),
                        help="a what-if: the engine's store statements (all, or the chunk "
                             "writes) on its event loop's thread instead of aiosqlite's: what "
                             "the hand-overs between the two threads cost")
    parser.add_argument("--against", metavar="CHECKOUT",
                        help="instead: the engine alone, this checkout and CHECKOUT (another "
                             "worktree) in turn on copies of one filled database")
    parser.add_argument("--pairs", type=int, default=3, help="with --against: runs of each")
    parser.add_argument("--gc", choices=("serving", "default"), default="serving",
                        help="the collector as `hub serve --role worker` tunes it (engine and "
                             "bare loop alike), or CPython's default")
    parser.add_argument("--serve-sink", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-engine", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--work", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--fill", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--engine", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sqlite_on_loop and args.workers:
        parser.error("--sqlite-on-loop measures one engine process, not --workers")
    logging.disable(logging.WARNING)

    if args.serve_sink:
        serve_sink(args.serve_sink, args.relay_ms)
        return
    if args.work:
        asyncio.run(run_worker(args.work[0], int(args.work[1]), args.work[2], args.gc))
        return
    if args.fill:
        asyncio.run(fill(Path(args.fill[0]), int(args.fill[1])))
        print(json.dumps({"peak_rss_mib": peak_rss_mib()}))
        return
    if args.engine:
        print(json.dumps(asyncio.run(run_engine(Path(args.engine[0]), int(args.engine[1]),
                                                args.gc))))
        return
    if args.profile_engine:
        from bench.dispatch_profile import LoopSampler, StatementTimer, report

        sampler, statements = LoopSampler(), StatementTimer()
        statements.install()
        sampler.start()
        result = asyncio.run(run_engine(Path(args.profile_engine[0]),
                                        int(args.profile_engine[1]), args.gc))
        sampler.stop()
        report(result, sampler, statements)
        return

    from hub.config import Settings

    connections = args.connections or Settings().smtp_connections
    os.environ["HUB_SMTP_CONNECTIONS"] = str(connections)  # the engine's children read it
    if args.sqlite_on_loop:
        os.environ[ON_LOOP] = args.sqlite_on_loop
    print("$ " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_facts("CPU per message"), flush=True)
    if args.sqlite_on_loop:
        print(f"what-if: the engine's store statements ({args.sqlite_on_loop}) run on its "
              "event loop's thread (--sqlite-on-loop), not a mode Hub has", flush=True)
    if args.workers:
        scaling(args)
        return
    if args.against:
        pairs(args)
        return
    if args.profile:
        profile(args.persons, args.gc, args.relay_ms)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"garbage collector: {args.gc} (engine and bare loop alike); relay delay "
          f"{args.relay_ms:g} ms a message", flush=True)
    sink, port = start_sink(args.relay_ms)
    results: dict[int, dict[str, Any]] = {}
    bare_runs: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="hub-bench-dispatch-") as tmp:
            # the floor is noisy on a small shared machine: the median of three runs, one
            # before the engine and two after, so the load they see is the engine's
            bare_runs.append(asyncio.run(run_bare(args.persons, port, connections, args.gc)))
            print(f"bare, {args.persons:,} messages: {bare_runs[-1]['rate']:.0f} msg/s",
                  flush=True)
            for n in sorted({args.persons, *sizes}):
                database = Path(tmp) / f"n{n}" / "hub.db"
                database.parent.mkdir()
                started = time.perf_counter()
                child("--fill", str(database), str(n))
                print(f"filled {n:,} persons in {time.perf_counter() - started:.1f} s",
                      flush=True)
                results[n] = child("--engine", str(database), str(port), "--gc", args.gc)
                print(f"engine, {n:,} persons: {results[n]['rate']:.0f} msg/s", flush=True)
                os.remove(database)
            while len(bare_runs) < BARE_RUNS:
                bare_runs.append(asyncio.run(run_bare(args.persons, port, connections, args.gc)))
                print(f"bare, {args.persons:,} messages: {bare_runs[-1]['rate']:.0f} msg/s",
                      flush=True)
            bare = sorted(bare_runs, key=lambda run: run["rate"])[BARE_RUNS // 2]
            bare_cpu = sorted(run["cpu_ms"] for run in bare_runs)[BARE_RUNS // 2]
    finally:
        received = stop_sink(sink)
    engine = results[args.persons]
    expected = sum(r["sent"] for r in results.values()) + sum(r["sent"] for r in bare_runs)
    print()
    print(f"(a) engine, {args.persons:,} persons: {engine['sent']:,} sent in "
          f"{engine['total_s']:.1f} s = {engine['rate']:.0f} msg/s from launch "
          f"(snapshot {engine['snapshot_s']:.1f} s; send phase {engine['send_rate']:.0f} msg/s)")
    print(f"(b) bare aiosmtplib, {connections} connection(s): {bare['sent']:,} sent in "
          f"{bare['total_s']:.1f} s = {bare['rate']:.0f} msg/s (median of "
          + ", ".join(f"{run['rate']:.0f}" for run in bare_runs) + ")")
    print(f"    ratio engine / bare: {engine['rate'] / bare['rate']:.0%} from launch, "
          f"{engine['send_rate'] / bare['rate']:.0%} send phase")
    print(f"    CPU per message (the process, all threads): engine {engine['cpu_ms']:.2f} ms "
          f"from launch, {engine['send_cpu_ms']:.2f} ms send phase; bare {bare_cpu:.2f} ms "
          "(median of " + ", ".join(f"{run['cpu_ms']:.2f}" for run in bare_runs) + ")")
    print(f"    engine CPU per message by thread: event loop {engine['main_cpu_ms']:.2f} ms, "
          f"the others (the SQLite connection's) {engine['cpu_ms'] - engine['main_cpu_ms']:.2f}"
          " ms, from launch")
    print(f"    CPU ratio bare / engine: {bare_cpu / engine['cpu_ms']:.0%} from launch, "
          f"{bare_cpu / engine['send_cpu_ms']:.0%} send phase (the throughput ratio where each "
          "has a core of its own)")
    print(f"    context switches per message: engine {engine['switches']:.1f}, bare "
          f"{statistics.median(run['switches'] for run in bare_runs):.1f} (a thread "
          "waiting: for the GIL, a socket, a lock)")
    print("(c) engine peak RSS: " + ", ".join(
        f"{n:,} persons {results[n]['peak_rss_mib']:.0f} MiB" for n in sorted(sizes)))
    print(f"    sink received {received:,} messages (expected {expected:,})")
    for n, result in sorted(results.items()):
        if set(result["by_status"]) != {"sent"}:
            print(f"    WARNING: {n:,} persons ended with {result['by_status']}")


if __name__ == "__main__":
    main()

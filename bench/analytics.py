"""Analytics over a large SQLite store: the customer pyramid and the KPIs, against the bare SQL
aggregates they compile to, with peak memory.

Fills a SQLite store with P persons, T transactions over two years (amounts skewed so a
pyramid shows) and E events (calls, messages), then prints in one run:

  (a) the pyramid for the last year (`AnalyticsService.pyramid`) against two floors run with
      the stdlib sqlite3 module and fetched: 1. the bare revenue-per-customer GROUP BY alone
      (the issue's floor); 2. the bare statements of every figure the pyramid shows (revenue
      per customer, the lapsed, the party count);
  (b) the household pyramid and the migration matrix between the two years;
  (c) the KPIs of the last year against two floors: 1. the bare call and message aggregates
      (the issue's floor: no per-agent counts, response times or consent changes); 2. the
      bare statements of every KPI figure (the waits of the period's answered waiting stretches,
      kept on the question rows by `sqlite_response_facts`, fetched but not sorted, and the
      count of the unanswered ones);
  (d) `hub analytics refresh` (tiers stored on every person);
  (e) peak Python memory (tracemalloc) of (a) and (c): the transactions never come into
      Python, only one row per customer.

    python bench/analytics.py                          # 1,000,000 transactions, 200,000 persons
    python bench/analytics.py --transactions 100000 --persons 20000
    python bench/analytics.py --reuse                  # keep the filled file of a previous run
    python bench/analytics.py --reuse --no-refresh     # and leave out (d)

Every figure is the median of --repeat runs: CPU time of the process (every thread, the store's
included; the steadier figure on a shared machine) and wall-clock time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from campaigns.analytics import AnalyticsService
from hub.domain.common import iso, new_id
from hub.domain.events import CallInfo, Event
from hub.domain.parties import Household, Person
from hub.domain.transactions import Transaction
from hub.store.sqlite import SqliteStore, open_sqlite_store
from hub.store.sqlite_analytics import (
    CALL_TOTALS_SQL,
    CALLS_PER_AGENT_SQL,
    CONSENT_SQL,
    MESSAGES_SQL,
)
from hub.store.sqlite_base import dump
from hub.store.sqlite_response_facts import FIRST_RESPONSES_SQL, UNANSWERED_SQL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_facts import print_run_facts

MARKER = "bench:analytics"
END = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
BATCH = 20_000


async def fill(store: SqliteStore, persons: int, transactions: int, events: int) -> None:
    rng = random.Random(7)
    db = store._db
    households = [Household(id=new_id(), name=f"H{i}") for i in range(persons // 2)]
    async with db.transaction() as session:
        await session.run_many("INSERT INTO households (id, name_lower, doc) VALUES (?, ?, ?)",
                               [(h.id, h.name.lower(), dump(h)) for h in households])
    ids: list[str] = []
    rows = []
    for i in range(persons):
        household = households[i // 2].id if i % 3 else None
        p = Person(id=new_id(), name=f"Person {i}", household_id=household)
        ids.append(p.id)
        rows.append((p.id, p.name.lower(), household, 1, dump(p)))
    async with db.transaction() as session:
        await session.run_many("INSERT INTO persons (id, name_lower, household_id, active, doc) "
                               "VALUES (?, ?, ?, ?, ?)", rows)
    print(f"  {persons} persons", file=sys.stderr)
    # a skewed population: a few big spenders, many small ones, some who stop buying
    weights = [rng.paretovariate(1.2) for _ in ids]
    start = END - 2 * YEAR
    done = 0
    while done < transactions:
        batch = []
        for _ in range(min(BATCH, transactions - done)):
            i = rng.choices(range(len(ids)), k=1)[0] if done % 7 == 0 else \
                int(rng.random() ** 3 * len(ids))
            amount = max(100, int(weights[i] * rng.uniform(500, 5000)))
            batch.append(Transaction(
                id=new_id(), external_id=f"b-{done}", person_id=ids[i], amount_minor=amount,
                occurred_at=start + timedelta(
                    seconds=rng.randrange(int(2 * YEAR.total_seconds())))))
            done += 1
        await store.transactions.append_many(batch)
        print(f"\r  {done} transactions", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    done = 0
    agents = [f"agent-{i}" for i in range(25)]
    while done < events:
        batch_events = []
        for _ in range(min(BATCH, events - done)):
            who = ids[rng.randrange(len(ids))]
            at = END - timedelta(seconds=rng.randrange(int(YEAR.total_seconds())))
            kind = rng.random()
            if kind < 0.3:
                event = Event(id=new_id(), person_id=who, channel="call", direction="inbound",
                              occurred_at=at, call=CallInfo(
                                  duration_s=rng.randrange(30, 900), wait_s=rng.randrange(0, 300),
                                  agent=rng.choice(agents), outcome="resolved"))
            elif kind < 0.7:
                event = Event(id=new_id(), person_id=who, channel=rng.choice(["email", "sms"]),
                              direction="inbound", occurred_at=at, text="question")
            else:
                event = Event(id=new_id(), person_id=who, channel=rng.choice(["email", "sms"]),
                              direction="outbound", occurred_at=at + timedelta(hours=2),
                              text="answer")
            batch_events.append(event)
            done += 1
        await store.events.append_many(batch_events)
        print(f"\r  {done} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    await store.channel_state.put(MARKER, {"persons": persons, "transactions": transactions,
                                           "events": events})


class Figure:
    """Medians of `repeat` runs: wall-clock and CPU seconds (every thread of the process, the
    store's included: CPU is the figure other work on the machine disturbs least)."""

    def __init__(self, wall: list[float], cpu: list[float]) -> None:
        self.wall = statistics.median(wall)
        self.cpu = statistics.median(cpu)

    def __add__(self, other: Figure) -> Figure:
        return Figure([self.wall + other.wall], [self.cpu + other.cpu])

    def ms(self) -> str:
        return f"CPU {self.cpu * 1000:7.1f} ms (wall {self.wall * 1000:7.1f})"


def ratio(part: Figure, whole: Figure) -> str:
    return f"CPU ratio {part.cpu / whole.cpu:4.2f} (wall {part.wall / whole.wall:4.2f})"


async def timed(action: Callable[[], Awaitable[Any]], repeat: int) -> tuple[Figure, Any]:
    """The medians of `repeat` runs, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        result = await action()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return Figure(walls, cpus), result


def bare(path: str, sql: str, params: tuple[Any, ...], repeat: int) -> Figure:
    """The medians of `repeat` runs of the bare statement with the stdlib sqlite3 module,
    every row fetched (a floor)."""
    conn = sqlite3.connect(path)
    try:
        walls, cpus = [], []
        for _ in range(repeat):
            began, cpu = time.perf_counter(), time.process_time()
            conn.execute(sql, params).fetchall()
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
        return Figure(walls, cpus)
    finally:
        conn.close()


async def peak(action: Callable[[], Awaitable[Any]]) -> float:
    tracemalloc.start()
    try:
        await action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _exists(path: Path) -> bool:
    return path.exists()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default=os.path.join(tempfile.gettempdir(),
                                                     "hub-bench-analytics.db"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-refresh", action="store_true",
                        help="skip (d), which rewrites every person's tier")
    args = parser.parse_args(argv)
    print_run_facts()
    logging.disable(logging.WARNING)
    path = Path(args.db)
    store = None
    if _exists(path):
        store = await open_sqlite_store(f"sqlite:///{path}")
        marker = await store.channel_state.get(MARKER)
        if marker is None:
            await store.close()
            print(f"{path} is not a bench database; not touching it", file=sys.stderr)
            return 2
        if not args.reuse or marker != {"persons": args.persons,
                                        "transactions": args.transactions,
                                        "events": args.events}:
            await store.close()
            store = None
            _remove(path)
    if store is None:
        print(f"filling {path} …", file=sys.stderr)
        store = await open_sqlite_store(f"sqlite:///{path}")
        began = time.perf_counter()
        await fill(store, args.persons, args.transactions, args.events)
        print(f"  filled in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        await store._db.run("ANALYZE")
    try:
        service = AnalyticsService(store)
        last = (END - YEAR, END)
        before = (END - 2 * YEAR, END - YEAR)
        print(f"analytics over {args.transactions:,} transactions, {args.persons:,} persons, "
              f"{args.events:,} events (SQLite, median of {args.repeat}; goal: ratios <= 1.5)")

        window = (iso(last[0]), iso(last[1]))
        t_pyramid, pyramid = await timed(lambda: service.pyramid(*last), args.repeat)
        # floor 1 (the issue's): the period's revenue per customer, ranked, as one would
        # first write it (SQLite picks the (time, person) index and sorts to group)
        floor_sql = ("SELECT person_id, sum(amount_minor) AS r FROM transactions "
                     "WHERE person_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ? "
                     "GROUP BY person_id HAVING r > 0 ORDER BY r DESC")
        t_floor = bare(str(path), floor_sql, window, args.repeat)
        # floor 2: every figure the pyramid shows, each as its best bare statement: revenue per
        # customer ranked (read in person order from the (person, time, amount) index), the
        # lapsed customers (bought before the period, not in it) and the party count
        best_sql = ("SELECT person_id, sum(amount_minor) AS r FROM transactions INDEXED BY "
                    "transactions_person_period WHERE person_id IS NOT NULL AND occurred_at >= ?"
                    " AND occurred_at < ? GROUP BY person_id HAVING r > 0 ORDER BY r DESC")
        lapsed_sql = ("SELECT person_id FROM transactions INDEXED BY transactions_person_period "
                      "WHERE person_id IS NOT NULL AND occurred_at < ?2 GROUP BY person_id "
                      "HAVING sum(CASE WHEN occurred_at < ?1 THEN amount_minor END) > 0 AND "
                      "coalesce(sum(CASE WHEN occurred_at >= ?1 THEN amount_minor END), 0) <= 0")
        t_best = bare(str(path), best_sql, window, args.repeat)
        t_lapsed = bare(str(path), lapsed_sql, window, args.repeat)
        t_count = bare(str(path), "SELECT count(*) FROM persons WHERE active = 1", (),
                       args.repeat)
        t_every = t_best + t_lapsed + t_count
        print(f"(a) pyramid (person, 1 year):  {t_pyramid.ms()}")
        print(f"    floor 1, the bare GROUP BY (revenue per customer, ranked; not the inactive "
              f"nor the prospects): {t_floor.ms()}   {ratio(t_pyramid, t_floor)}")
        print(f"    floor 2, bare statements of every pyramid figure (revenue per customer "
              f"ranked {t_best.cpu * 1000:.1f}, lapsed {t_lapsed.cpu * 1000:.1f}, party count "
              f"{t_count.cpu * 1000:.1f} ms CPU): {t_every.ms()}   {ratio(t_pyramid, t_every)}")
        print(f"    {pyramid['customers']:,} customers, 80/20 figure: top 20% bring "
              f"{pyramid['top20_share']:.0%} of revenue")
        t_house, _ = await timed(lambda: service.pyramid(*last, level="household"), 1)
        t_migration, moved = await timed(lambda: service.migration(before, last), 1)
        print(f"(b) pyramid (household):      {t_house.ms()}   migration matrix "
              f"{t_migration.ms()} (retention {moved['retention_rate']:.0%}, "
              f"acquired {moved['acquired']:,}, lost {moved['lost']:,})")

        t_kpis, kpis = await timed(lambda: service.kpis(*last), args.repeat)
        # floor 1 (the issue's): the call and message aggregates alone (call count, average
        # duration and wait; messages per channel and direction), each read from its index
        # as the schema allows (the call figures' copies, sqlite_call_facts), as the store does
        calls_sql = ("SELECT count(*), avg(call_duration_s), avg(call_wait_s) FROM events "
                     "INDEXED BY events_call_figures WHERE channel = 'call' "
                     "AND occurred_at >= ? AND occurred_at < ?")
        t_calls = bare(str(path), calls_sql, window, args.repeat)
        t_messages = bare(str(path), MESSAGES_SQL, window, args.repeat)
        t_kfloor = t_calls + t_messages
        # floor 2: the bare statement of every KPI figure, as the store runs them: calls per
        # agent (count, duration, wait), messages, the waits of the period's answered waiting
        # stretches (fetched, not sorted) and the unanswered count, and consent changes
        t_agents = (bare(str(path), CALL_TOTALS_SQL, window, args.repeat)
                    + bare(str(path), CALLS_PER_AGENT_SQL, window, args.repeat))
        t_waits = (bare(str(path), FIRST_RESPONSES_SQL, window, args.repeat)
                   + bare(str(path), UNANSWERED_SQL, window, args.repeat))
        t_consent = bare(str(path), CONSENT_SQL, window, args.repeat)
        t_all = t_agents + t_messages + t_waits + t_consent
        print(f"(c) KPIs (1 year):             {t_kpis.ms()}")
        print(f"    floor 1, the bare call+message aggregates (no per-agent counts, response "
              f"times nor consent changes): {t_kfloor.ms()}   {ratio(t_kpis, t_kfloor)}")
        print(f"    floor 2, bare statements of every KPI figure (calls per agent "
              f"{t_agents.cpu * 1000:.1f}, messages {t_messages.cpu * 1000:.1f}, response "
              f"waits {t_waits.cpu * 1000:.1f}, consent changes "
              f"{t_consent.cpu * 1000:.1f} ms CPU): {t_all.ms()}   {ratio(t_kpis, t_all)}")
        print(f"    calls {kpis['calls']['count']:,}, avg duration "
              f"{kpis['calls']['avg_duration_s']} s, avg wait {kpis['calls']['avg_wait_s']} s, "
              f"median first response {kpis['first_response_s']['median']} s "
              f"({kpis['first_response_s']['count']:,} answered, "
              f"{kpis['first_response_s']['unanswered']:,} waiting)")
        if not args.no_refresh:
            t_refresh, written = await timed(
                lambda: service.refresh_tiers(*last, levels=["person"]), 1)
            print(f"(d) analytics refresh (tiers on {written['person']:,} persons): "
                  f"{t_refresh.ms()}")
        mem_pyramid = await peak(lambda: service.pyramid(*last))
        mem_kpis = await peak(lambda: service.kpis(*last))
        print(f"(e) peak Python memory: pyramid {mem_pyramid:6.1f} MB, KPIs {mem_kpis:6.1f} MB "
              f"(one row per customer / per inbound person, never per transaction)")
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))

"""The service inbox (issue 13): page latency at 10,000 open conversations over 100,000
persons, against the bare SQLite floor beneath it, and what an open live tab costs.

Fills a SQLite store (persons and conversations written in bulk, in the store's own row
shape), then prints in one run:

  (a) p50/p99 of `ServiceDesk.page` (what `/` and `GET /api/v1/conversations` call: the
      page, its total count and the persons on it) for "mine", "unassigned" and "all, SLA due
      first", on the first page and DEEP pages down (the cursor found by following
      `next_cursor`), and the deep/first ratio (keyset paging: it should stay near 1);
  (b) the same page and count as raw SQL run by the stdlib `sqlite3` module (the floor) and
      the ratio hub/floor;
  (c) live updates: 50 open inbox tabs each polling once a second read one shared marker
      (`SharedStamp`: at most one indexed read a second for the whole process); the cost per
      tab per second, against recomputing the inbox page for every tab.

    python bench/inbox.py                                # 100,000 persons, 10,000 open
    python bench/inbox.py --persons 20000 --open 4000 --deep 50

Run from the project root with the project installed. The database is a temporary file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.domain.common import iso
from hub.domain.conversations import Conversation, ConversationQuery, LastEvent, SortKey
from hub.domain.parties import Person
from hub.services.conversations import ConversationRouter
from hub.services.service_desk import ServiceDesk, decode_cursor
from hub.services.timeline import TimelineService
from hub.store.sqlite import SqliteStore, open_sqlite_store
from hub.store.sqlite_base import dump
from hub.store.sqlite_conversations import COLUMNS, _columns
from hub.store.sqlite_parties import SqlitePersons
from hub.web.ui.live import SharedStamp

PAGE = 20
TABS = 50


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def time_async(call: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    for _ in range(3):
        await call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def time_sync(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    for _ in range(3):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def fill(path: Path, persons: int, open_count: int, now: datetime) -> tuple[str, str]:
    """Persons and conversations in bulk; returns (my user id, another user's id)."""
    rng = random.Random(13)
    me, other = "user-me", "user-other"
    conn = sqlite3.connect(path)
    person_table = SqlitePersons.__new__(SqlitePersons)
    person_rows = []
    for n in range(persons):
        person = Person(id=f"{n:024x}", name=f"Klant {n}", phones=[f"+3161{n:07d}"],
                        emails=[f"klant{n}@example.org"])
        person_rows.append(person_table._row(person))
    names = ("id", *SqlitePersons.columns, "doc")
    conn.executemany(f"INSERT INTO persons ({', '.join(names)}) VALUES "
                     f"({', '.join('?' for _ in names)})", person_rows)
    rows = []
    open_persons = rng.sample(range(persons), open_count)  # one unresolved each, at most
    owners = [me] * 42 + [None] * 42 + [other] * 16  # per 100: mine, unassigned, others
    for n in range(open_count + open_count // 2):
        opened = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 5))
        status = "open" if n < open_count else "resolved"
        conversation = Conversation(
            id=f"{int(opened.timestamp() * 1000):012x}{n:012x}",
            person_id=f"{open_persons[n] if n < open_count else rng.randrange(persons):024x}",
            status=status,
            assignee_id=owners[n % 100], channels=[rng.choice(["email", "sms", "webform"])],
            opened_at=opened, last_event_at=opened, last_inbound_at=opened,
            first_response_due=opened + timedelta(hours=4),
            resolution_due=opened + timedelta(days=3), event_ids=[f"e{n}"],
            last_event=LastEvent(id=f"e{n}", channel="sms", direction="inbound",
                                 occurred_at=opened, snippet="Waar blijft mijn pakket?"),
            created_at=opened, updated_at=opened)
        rows.append((conversation.id, *_columns(conversation), dump(conversation)))
    names = ("id", *COLUMNS, "doc")
    conn.executemany(f"INSERT INTO conversations ({', '.join(names)}) VALUES "
                     f"({', '.join('?' for _ in names)})", rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return me, other


FLOOR_SQL = {
    "mine": ("assignee_id = ? AND status = 'open'", "last_event_at", "DESC"),
    "unassigned": ("assignee_id IS NULL AND status = 'open'", "last_event_at", "DESC"),
    "sla": ("status = 'open'", "sla_sort", "ASC"),
}


def floor_page(conn: sqlite3.Connection, view: str, me: str,
               after: tuple[datetime, str] | None) -> None:
    """The same page as bare SQL: the rows, the count, the persons on the page."""
    where, column, order = FLOOR_SQL[view]
    params: list[object] = [me] if "?" in where else []
    keyset = ""
    if after is not None:
        keyset = f" AND ({column}, id) {'<' if order == 'DESC' else '>'} (?, ?)"
        params += [iso(after[0]), after[1]]
    rows = conn.execute(f"SELECT doc, person_id FROM conversations WHERE {where}{keyset} "
                        f"ORDER BY {column} {order}, id {order} LIMIT ?",
                        [*params, PAGE + 1]).fetchall()
    conn.execute(f"SELECT count(*) FROM conversations WHERE {where}",
                 [me] if "?" in where else []).fetchone()
    ids = sorted({person_id for _, person_id in rows[:PAGE]})
    conn.execute(f"SELECT doc FROM persons WHERE id IN ({', '.join('?' for _ in ids)})",
                 ids).fetchall()


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-inbox-"))
    path = folder / "hub.db"
    store: SqliteStore = await open_sqlite_store(f"sqlite:///{path}")
    started = time.perf_counter()
    me, _ = fill(path, args.persons, args.open, now)
    print(f"filled {args.persons:,} persons, {args.open:,} open and {args.open // 2:,} "
          f"resolved conversations in {time.perf_counter() - started:.1f} s ({path})")
    desk = ServiceDesk(store, ConversationRouter(store, reopen_days=7), messaging=None,  # type: ignore[arg-type]
                       timeline=TimelineService(store))
    views: dict[str, tuple[ConversationQuery, SortKey]] = {
        "mine": (ConversationQuery(assignee_id=me), "newest"),
        "unassigned": (ConversationQuery(unassigned=True), "newest"),
        "sla": (ConversationQuery(), "sla"),
    }
    conn = sqlite3.connect(path)
    print(f"\n{'view':<12}{'page':>8}{'hub p50':>10}{'p99':>8}{'floor p50':>11}{'p99':>8}"
          f"{'hub/floor':>11}{'total':>8}")
    for view, (query, sort) in views.items():
        cursor = None
        first_p50 = 0.0
        for depth in (0, args.deep):
            cursor = None
            reached = 0
            for _ in range(depth):
                page = await desk.page(query, sort=sort, limit=PAGE, cursor=cursor)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
                reached += 1
            shown = await desk.page(query, sort=sort, limit=PAGE, cursor=cursor)
            hub_p50, hub_p99 = await time_async(
                lambda q=query, s=sort, c=cursor: desk.page(q, sort=s, limit=PAGE, cursor=c),
                args.repeat)
            after = decode_cursor(cursor, sort)
            floor_p50, floor_p99 = time_sync(lambda v=view, a=after: floor_page(conn, v, me, a),
                                             args.repeat)
            if depth == 0:
                first_p50 = hub_p50
            label = "first" if depth == 0 else f"{reached + 1}"
            print(f"{view:<12}{label:>8}{hub_p50:>9.2f}ms{hub_p99:>7.2f}ms{floor_p50:>10.2f}ms"
                  f"{floor_p99:>7.2f}ms{hub_p50 / floor_p50:>10.1f}x{shown.total:>8,}")
        print(f"{'':<12}deep/first p50 ratio {hub_p50 / first_p50:.2f}")

    stamp = SharedStamp(desk.stamp, max_age=0.9)
    one_read = await time_async(desk.stamp, args.repeat)
    ticks, start = 0, time.perf_counter()
    reads_before = stamp.reads
    while time.perf_counter() - start < args.live_seconds:
        tick = time.perf_counter()
        await asyncio.gather(*(stamp.get() for _ in range(TABS)))
        ticks += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - tick)))
    elapsed = time.perf_counter() - start
    reads = stamp.reads - reads_before
    per_tab_ms = reads * one_read[0] / elapsed / TABS
    recompute_p50, _ = await time_async(
        lambda: desk.page(ConversationQuery(), sort="newest", limit=PAGE), args.repeat)
    print(f"\nlive: {TABS} tabs polling once a second for {elapsed:.1f} s: {reads} marker "
          f"reads in all ({one_read[0]:.3f} ms each, p99 {one_read[1]:.3f} ms)")
    print(f"live: one open tab costs {per_tab_ms:.4f} ms of database time per second; "
          f"recomputing its inbox page instead would cost {recompute_p50:.2f} ms per tab per "
          f"second ({recompute_p50 / max(per_tab_ms, 1e-6):,.0f}x)")
    conn.close()
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--deep", type=int, default=200, help="pages down for the deep page")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--live-seconds", type=float, default=5.0)
    asyncio.run(main(parser.parse_args()))

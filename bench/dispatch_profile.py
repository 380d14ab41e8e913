"""Where the dispatch engine's CPU goes per message (`bench/dispatch.py --profile`).

The event loop's thread is sampled on the process's CPU clock (ITIMER_PROF, every 0.5 ms of
CPU): each sample's Python stack is put in the first part of the engine it passes through.
A sample taken while the loop waits in `select` is CPU the other threads used, and is left
out; the parts are scaled to the loop thread's measured CPU per message. On the SQLite
connection's thread every statement run by a store work (the dispatch writes and the reads
grouped with them) is timed on that thread's CPU clock. Sampling and timing cost a few per
cent; the figures are for comparing parts, the bench's own run is the one to quote.
"""

from __future__ import annotations

import collections
import signal
import sqlite3
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

# (part, the code it is recognised by: "file:function" of a frame on the stack); first wins
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hand-over: aiosmtplib and the MIME bytes (the bare loop pays most of it)",
     ("outbound.py:transmit",)),
    ("render: template, variables, preference link", ("dispatch.py:_render",)),
    ("choose the channel, hold, prepare the event and message", ("dispatch.py:_ready",)),
    ("start records of a chunk, with the end records so far (rows built, one write)",
     ("dispatch.py:_start_many",)),
    ("end records written on their own, end rows made (a chunk's worth gathered)",
     ("dispatch.py:record_ends", "dispatch.py:_send_started")),
    ("lease, load the batch's records, guardrails, reconcile",
     ("dispatch.py:refill", "dispatch.py:_next_batch", "dispatch.py:_guarded",
      "dispatch.py:_reconcile", "dispatch.py:_maybe_complete")),
    ("status read before each hand-over", ("fresh_status.py:",)),
    ("the bench's own watch of the campaign", ("dispatch.py:run_engine",)),
)
OTHER = "event loop: callbacks, socket reads (SMTP replies), store hand-offs"


class LoopSampler:
    def __init__(self) -> None:
        self.parts: collections.Counter[str] = collections.Counter()
        self.waiting = 0

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None and frame.f_code.co_name == "select" and (
                "selectors" in frame.f_code.co_filename):
            self.waiting += 1
            return
        names = []
        while frame is not None:
            names.append(f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_code.co_name}")
            frame = frame.f_back
        for part, marks in PARTS:
            if any(name.startswith(mark) for name in names for mark in marks):
                self.parts[part] += 1
                return
        self.parts[OTHER] += 1

    def start(self) -> None:
        # the engine's modules imported first: an import is not the engine's work
        import campaigns.engine.lifecycle  # noqa: F401
        import hub.store
        import hub.wiring  # noqa: F401

        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.0005, 0.0005)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)


class StatementTimer:
    """Wraps the SQLite store's batch runners so each statement of a work is timed."""

    def __init__(self) -> None:
        self.cpu: collections.defaultdict[str, float] = collections.defaultdict(float)
        self.calls: collections.Counter[str] = collections.Counter()

    def install(self) -> None:
        import hub.store.sqlite_db as sqlite_db

        timer = self

        class Timed:
            def __init__(self, conn: sqlite3.Connection) -> None:
                self._conn = conn

            def _run(self, method: str, sql: str, *args: Any) -> Any:
                started = time.thread_time()
                try:
                    return getattr(self._conn, method)(sql, *args)
                finally:
                    key = " ".join(sql.split())[:70]
                    timer.cpu[key] += time.thread_time() - started
                    timer.calls[key] += 1

            def execute(self, sql: str, *args: Any) -> Any:
                return self._run("execute", sql, *args)

            def executemany(self, sql: str, *args: Any) -> Any:
                return self._run("executemany", sql, *args)

            def __getattr__(self, name: str) -> Any:
                return getattr(self._conn, name)

        def timed(runner: Callable[..., Any]) -> Callable[..., Any]:
            def run(conn: sqlite3.Connection, works: list[Any]) -> Any:
                return runner(Timed(conn), works)
            return run

        sqlite_db._run_batch = timed(sqlite_db._run_batch)
        sqlite_db._run_each = timed(sqlite_db._run_each)


def report(result: dict[str, Any], sampler: LoopSampler, statements: StatementTimer) -> None:
    sent = result["sent"]
    busy = sum(sampler.parts.values())
    scale = result["main_cpu_ms"] / busy if busy else 0.0
    print(f"profile, {sent:,} messages: CPU {result['cpu_ms']:.2f} ms per message "
          f"(event loop {result['main_cpu_ms']:.2f}, other threads "
          f"{result['cpu_ms'] - result['main_cpu_ms']:.2f}; sampling and timing included)")
    print(f"  event loop thread, ms per message ({busy:,} samples):")
    for part, count in sampler.parts.most_common():
        print(f"    {count * scale:5.3f}  {part}")
    total = sum(statements.cpu.values())
    print(f"  SQLite thread, statements of the store's works: {total * 1000 / sent:.3f} ms per "
          "message (the rest of that thread: reads outside works, hand-offs)")
    for key, cpu in sorted(statements.cpu.items(), key=lambda item: -item[1])[:12]:
        print(f"    {cpu * 1000 / sent:5.3f}  {statements.calls[key] / sent:5.2f}/msg  {key}")

"""The garbage collector tuned for a long-running server (`hub serve`, and the benches that
stand in for it).

With CPython's default young-generation threshold (700 net container allocations) a busy
server collects every few requests: an inbound webhook's parsing, models and store rows
allocate that many in bursts, and each collection walks everything young at that moment
(`bench/webhooks.py` measured some 0.15 to 0.2 ms of every request's CPU in collections). The
objects made at start (modules, pydantic schemas, the app) live as long as the process, so
they are frozen out of every later scan, and the young generation may grow to
`YOUNG_THRESHOLD` before it is collected. Cycles are still collected, later; memory stays
bounded (a few thousand young objects more)."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Net container allocations before a young collection (CPython's default is 700)."""


def tune_for_serving() -> None:
    """Freeze what start-up made and raise the young threshold; call once, after the app is
    built and before it serves."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

"""What a write costs on SQLite: an event appended one at a time (an inbound message, a webhook
status event), events appended in batches (an import, a campaign's sends) and a person
replaced, each in CPU microseconds per record (this process, every thread), median of
`--repeat` runs, on a store already holding `--persons` persons with `--events` events.

Run it against two checkouts to see what a change to the write path costs (issue 20: the
`person_facts` triggers and the consent columns are paid here):

    PYTHONPATH=. python bench/event_writes.py
    PYTHONPATH=/path/to/other/checkout python bench/event_writes.py
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hub
from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.store.sqlite import SqliteStore, open_sqlite_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_facts import cpu_s, print_run_facts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CODE = Path(hub.__file__).resolve().parent.parent
"""The checkout whose code runs (PYTHONPATH decides)."""
CHANNELS = ("email", "sms", "whatsapp", "call", "note", "system")


def _event(rng: random.Random, person_id: str) -> Event:
    return Event(id=new_id(), person_id=person_id, channel=rng.choice(CHANNELS),
                 direction=rng.choice(("inbound", "outbound")), text="bericht",
                 occurred_at=NOW - timedelta(seconds=rng.randrange(86400 * 365)))


async def _fill(store: SqliteStore, persons: list[Person], events: int,
                rng: random.Random) -> None:
    for person in persons:
        await store.persons.insert(person)
    for start in range(0, events, 5000):
        await store.events.append_many([_event(rng, rng.choice(persons).id)
                                        for _ in range(min(5000, events - start))])


async def _run(args: argparse.Namespace, directory: Path, run: int) -> dict[str, float]:
    rng = random.Random(run)
    store = await open_sqlite_store(f"sqlite:///{directory / f'writes-{run}.db'}")
    try:
        persons = [Person(id=new_id(), name=f"Persoon {i}") for i in range(args.persons)]
        await _fill(store, persons, args.events, rng)
        figures = {}
        one = [_event(rng, rng.choice(persons).id) for _ in range(args.n)]
        began = cpu_s()
        for event in one:
            await store.events.append(event)
        figures["append (one at a time)"] = (cpu_s() - began) / args.n * 1e6
        batch = [_event(rng, rng.choice(persons).id) for _ in range(args.n)]
        began = cpu_s()
        for start in range(0, args.n, 500):
            await store.events.append_many(batch[start:start + 500])
        figures["append_many (500 a batch)"] = (cpu_s() - began) / args.n * 1e6
        changed = [p.model_copy(update={"consent": {"sms": ConsentState(
            status="opted_in", source="bench")}}) for p in persons[:args.n]]
        began = cpu_s()
        for person in changed:
            await store.persons.replace(person)
        figures["person replace"] = (cpu_s() - began) / len(changed) * 1e6
        return figures
    finally:
        await store.close()


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("-n", type=int, default=3000, help="records timed per figure")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    print_run_facts()
    print(f"code: {CODE}")
    runs = []
    with tempfile.TemporaryDirectory() as directory:
        for run in range(args.repeat):
            began = time.perf_counter()
            runs.append(await _run(args, Path(directory), run))
            print(f"  run {run + 1}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    print(f"{args.persons:,} persons, {args.events:,} events stored; CPU µs per record, "
          f"median of {args.repeat}")
    for name in runs[0]:
        print(f"  {name:28} {statistics.median(r[name] for r in runs):8.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))

"""Journey throughput, against the campaign dispatch of the same sends, and the cost of a
segment-entry trigger per changed person.

Prints in one run:

  (a) N persons enrolled on a three-step journey (send an email, wait a day, send another):
      the journey worker advances every enrolment through all three steps (the day passes on
      a movable clock, in no time); steps advanced per second and messages per second, to an
      aiosmtpd sink through the real SMTP adapter, on a SQLite store;
  (b) the campaign dispatch of the same 2 x N messages (two N-person email campaigns, the
      whole engine: launch, snapshot, lease, render, send, record) to the same sink, and the
      ratio journeys / campaigns in messages per second;
  (c) the time a segment-entry trigger takes per changed person (`JourneyService.on_event`:
      one query by id per segment journey) with a small and a ten times larger segment: the
      cost must not grow with the segment size.

    python bench/journeys.py                  # 20,000 persons (~5 min on 2 cores)
    python bench/journeys.py --persons 100000 # the issue's size (~25 min)

Enrolments are written in bulk (`enrol_many`): the bench measures the worker, not the
trigger. Quiet hours and the frequency cap are off, as for a campaign benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dispatch import fill, run_engine, start_sink, stop_sink  # noqa: E402

RULES_OFF = {"HUB_QUIET_HOURS": "off", "HUB_QUIET_DAYS": "off", "HUB_MARKETING_CAP": "off"}


def settings_for(database: Path, port: int) -> Any:
    from hub.config import load_settings

    return load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{database}", "HUB_VAR_DIR": str(database.parent),
        "HUB_SECRET_KEY": "k" * 32, "HUB_EMAIL_FROM": "news@shop.example",
        "HUB_SMTP_URL": f"smtp://127.0.0.1:{port}", **RULES_OFF}, dotenv=None)


async def run_journey(database: Path, port: int) -> dict[str, Any]:
    from campaigns.journeys.engine import EngineConfig
    from hub.domain.campaigns import MessageTemplate
    from hub.domain.clock import MovableClock
    from hub.domain.common import new_id
    from hub.domain.journeys import Enrolment
    from hub.domain.segments import MATCH_ALL
    from hub.store import create_store
    from hub.wiring import assemble, build_adapters, build_journey_engine

    settings = settings_for(database, port)
    store = await create_store(settings)
    adapters = build_adapters(settings)
    clock = MovableClock()
    components = assemble(store, settings, adapters, clock=clock)
    ids = {}
    for name in ("hello", "again"):
        for language in ("nl", "en"):
            template = MessageTemplate(
                id=new_id(), name=f"{name} {language}", channel="email",
                subject="News for {{ person.first_name }}",
                body="Dear {{ person.name }},\n\nOur spring news is here.\n\nUnsubscribe: "
                     "{{ unsubscribe_url }}\n",
                html="<p>Dear {{ person.name }},</p><p>Our spring news is here.</p>")
            await store.templates.insert(template)
            ids[f"{name}_{language}"] = template.id
    service = components.journeys.service
    journey = await service.create("Bench", {
        "trigger": {"kind": "manual"}, "start": "hello",
        "steps": [{"type": "send", "id": "hello", "channel": "email",
                   "templates": {"nl": ids["hello_nl"], "en": ids["hello_en"]},
                   "next": "day"},
                  {"type": "wait", "id": "day", "minutes": 24 * 60, "next": "again"},
                  {"type": "send", "id": "again", "channel": "email",
                   "templates": {"nl": ids["again_nl"], "en": ids["again_en"]}}]})
    journey = await service.update(journey.id, status="active")
    after: str | None = None
    enrolled = 0
    now = clock.now()
    while True:
        page = await store.persons.find_matching(MATCH_ALL, limit=1000, after_id=after)
        if not page:
            break
        enrolled += await store.enrolments.enrol_many([Enrolment(
            id=new_id(), journey_id=journey.id, version=1, person_id=p.id, entry_key=p.id,
            step_id="hello", due_at=now, entered_at=now) for p in page])
        after = page[-1].id
    engine = build_journey_engine(components, EngineConfig(batch=200, concurrency=8))
    started = time.perf_counter()
    await engine.run_until_idle(limit=100_000)
    clock.move(timedelta(days=1, minutes=1))
    await engine.run_until_idle(limit=100_000)
    total_s = time.perf_counter() - started
    stats = await service.stats(journey.id)
    steps = 3 * stats["enrolments"].get("done", 0)
    for adapter in adapters.values():
        await adapter.close()
    await store.close()
    return {"enrolled": enrolled, "done": stats["enrolments"].get("done", 0),
            "total_s": total_s, "steps_per_s": steps / total_s,
            "messages_per_s": 2 * stats["enrolments"].get("done", 0) / total_s}


async def segment_cost(directory: Path, sizes: tuple[int, int], samples: int
                       ) -> dict[int, float]:
    """Microseconds per changed person for a segment trigger, per segment size."""
    from hub.domain.clock import MovableClock
    from hub.domain.common import new_id
    from hub.domain.events import Event
    from hub.domain.parties import Person
    from hub.store import create_store
    from hub.wiring import assemble

    found: dict[int, float] = {}
    for size in sizes:
        settings = settings_for(directory / f"segment-{size}.db", 25)
        store = await create_store(settings)
        components = assemble(store, settings, {}, clock=MovableClock())
        service = components.journeys.service
        journey = await service.create(f"Segment {size}", {
            "trigger": {"kind": "segment",
                        "filter": {"field": "tags", "op": "contains", "value": "vip"}},
            "start": "w", "steps": [{"type": "wait", "id": "w", "minutes": 60}]})
        await service.update(journey.id, status="active")
        for i in range(size):
            await store.persons.insert(Person(id=new_id(), name=f"P{i}", tags=["vip"]))
        changed = [Person(id=new_id(), name=f"C{i}", tags=["vip"]) for i in range(samples)]
        for person in changed:
            await store.persons.insert(person)
        timings = []
        for person in changed:
            event = Event(id=new_id(), person_id=person.id, channel="note",
                          direction="internal", text="tagged vip")
            started = time.perf_counter()
            await service.on_event(event)
            timings.append(time.perf_counter() - started)
        found[size] = statistics.median(timings) * 1e6
        await store.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--segment", type=int, default=2_000,
                        help="the small segment size; the large one is ten times it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-journeys-") as tmp:
        directory = Path(tmp)
        journey_db, campaign_db = directory / "journeys.db", directory / "campaigns.db"
        asyncio.run(fill(journey_db, args.persons))
        asyncio.run(fill(campaign_db, args.persons))
        sink, port = start_sink()
        try:
            journeys = asyncio.run(run_journey(journey_db, port))
            first = asyncio.run(run_engine(campaign_db, port))
            second = asyncio.run(run_engine(campaign_db, port))
        finally:
            stop_sink(sink)
        sizes = (args.segment, args.segment * 10)
        cost = asyncio.run(segment_cost(directory, sizes, samples=200))
    campaign_sent = first["sent"] + second["sent"]
    campaign_s = first["total_s"] + second["total_s"]
    campaign_rate = campaign_sent / campaign_s
    print(f"(a) journeys: {journeys['done']:,}/{journeys['enrolled']:,} persons through 3 steps "
          f"in {journeys['total_s']:.1f} s: {journeys['steps_per_s']:,.0f} steps/s, "
          f"{journeys['messages_per_s']:,.0f} messages/s")
    print(f"(b) campaigns: {campaign_sent:,} messages (2 campaigns) in {campaign_s:.1f} s: "
          f"{campaign_rate:,.0f} messages/s; journeys / campaigns = "
          f"{journeys['messages_per_s'] / campaign_rate:.2f}")
    small, large = sizes
    print(f"(c) segment-entry trigger per changed person: {cost[small]:,.0f} µs with "
          f"{small:,} in the segment, {cost[large]:,.0f} µs with {large:,} "
          f"(ratio {cost[large] / cost[small]:.2f}; flat means it does not grow)")


if __name__ == "__main__":
    main()

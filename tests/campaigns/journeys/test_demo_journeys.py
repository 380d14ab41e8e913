"""`hub demo` makes two journeys with persons in progress: the welcome series and the
win-back journey for customers who fell a pyramid tier; a second run adds nothing."""

from __future__ import annotations

from pathlib import Path

from hub.cli import _demo_journeys
from hub.demo import generate_demo
from hub.store import create_store
from tests.campaigns.journeys.conftest import journey_settings


async def test_demo_journeys_are_made_once_with_enrolments_in_progress(tmp_path: Path) -> None:
    settings = journey_settings(tmp_path)
    store = await create_store(settings)
    try:
        await generate_demo(store, persons=300, seed=3)
        await _demo_journeys(settings, store)
        journeys = {j.name: j for j in await store.journeys.find(limit=10)}
        assert set(journeys) == {"Welkomstreeks", "Terugwinnen"}
        assert all(j.status == "active" for j in journeys.values())
        welcome = await store.enrolments.counts(journeys["Welkomstreeks"].id)
        winback = await store.enrolments.counts(journeys["Terugwinnen"].id)
        assert welcome.by_step.get("listen", 0) > 0  # welcomed, waiting for a reply
        assert sum(winback.by_state.values()) > 0
        assert set(winback.by_step) <= {"offer", "week"}
        await _demo_journeys(settings, store)
        assert len(await store.journeys.find(limit=10)) == 2
        assert sum((await store.enrolments.counts(journeys["Welkomstreeks"].id))
                   .by_state.values()) == sum(welcome.by_state.values())
    finally:
        await store.close()

"""The entry rules every event is checked against (active journeys, survey trigger rules) are
read from the store once per `ttl` instead of once per event: a change made in this process
is seen at once, one made by another process (a second store on the same file) within the
ttl. The journey worker's own list is never cached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.domain.common import new_id
from hub.domain.journeys import Journey, JourneyDefinition
from hub.domain.surveys import TriggerRule
from hub.ports import Store
from hub.services.rule_cache import TtlList, caching_rules
from hub.store import create_store

DEFINITION = JourneyDefinition.model_validate({
    "trigger": {"kind": "manual"}, "start": "pause",
    "steps": [{"type": "wait", "id": "pause", "minutes": 60}]})
TTL_S = 0.3


async def opened(tmp_path: Path) -> Store:
    settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                              "HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)
    return await create_store(settings)


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one file: this process, and another one writing meanwhile."""
    here, elsewhere = await opened(tmp_path), await opened(tmp_path)
    caching_rules(here, ttl_s=TTL_S)
    yield here, elsewhere
    await here.close()
    await elsewhere.close()


def journey(status: str = "active") -> Journey:
    return Journey.model_validate({"id": new_id(), "name": "Welkom", "definition": DEFINITION,
                                   "status": status})


async def test_a_journey_activated_here_is_seen_at_once(stores: tuple[Store, Store]) -> None:
    here, _ = stores
    assert await here.journeys.with_status(["active"]) == []
    draft = journey("draft")
    await here.journeys.insert(draft)
    assert await here.journeys.with_status(["active"]) == []
    active = draft.model_copy(update={"status": "active"})
    await here.journeys.replace(active)
    assert [j.id for j in await here.journeys.with_status(["active"])] == [active.id]
    await here.journeys.replace(active.model_copy(update={"status": "paused"}))
    assert await here.journeys.with_status(["active"]) == []


async def test_another_process_is_seen_within_the_ttl(stores: tuple[Store, Store]) -> None:
    here, elsewhere = stores
    assert await here.journeys.with_status(["active"]) == []
    assert await here.trigger_rules.find(limit=200) == []
    active = journey()
    rule = TriggerRule(id=new_id(), name="after calls", survey_id="s1")
    await elsewhere.journeys.insert(active)
    await elsewhere.trigger_rules.insert(rule)
    assert await here.journeys.with_status(["active"]) == []  # the cached list, for now
    assert await here.trigger_rules.find(limit=200) == []
    await asyncio.sleep(TTL_S)
    assert [j.id for j in await here.journeys.with_status(["active"])] == [active.id]
    assert await here.trigger_rules.find(limit=200) == [rule]


async def test_the_worker_list_and_pages_are_read_fresh(stores: tuple[Store, Store]) -> None:
    here, elsewhere = stores
    assert await here.journeys.with_status(["active", "archived"]) == []
    active = journey()
    await elsewhere.journeys.insert(active)
    assert [j.id for j in await here.journeys.with_status(["active", "archived"])] == [
        active.id]
    assert [j.id for j in await here.journeys.find()] == [active.id]


async def test_a_rule_switched_off_here_stops_at_once(stores: tuple[Store, Store]) -> None:
    here, _ = stores
    rule = TriggerRule(id=new_id(), name="after calls", survey_id="s1")
    await here.trigger_rules.insert(rule)
    assert await here.trigger_rules.find(limit=200) == [rule]
    off = rule.model_copy(update={"enabled": False})
    await here.trigger_rules.replace(off)
    assert await here.trigger_rules.find(limit=200) == [off]
    assert await here.trigger_rules.get(rule.id) == off


async def test_a_caller_changing_its_list_leaves_the_cache_alone(
        stores: tuple[Store, Store]) -> None:
    here, _ = stores
    await here.journeys.insert(journey())
    first = await here.journeys.with_status(["active"])
    first.clear()
    assert len(await here.journeys.with_status(["active"])) == 1


async def test_many_events_at_once_read_the_rules_once() -> None:
    reads: list[int] = []

    async def load() -> list[str]:
        reads.append(1)
        await asyncio.sleep(0.01)  # the store's round trip, while other events arrive
        return ["rule"]

    rules = TtlList(load, ttl_s=60)
    assert await asyncio.gather(*(rules.get() for _ in range(32))) == [["rule"]] * 32
    assert len(reads) == 1
    rules.clear()
    assert await rules.get() == ["rule"] and len(reads) == 2

"""The audience step: a campaign's segment snapshotted into deliveries, once per person however
often it runs, and one per household when asked (the first member who can be reached)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from campaigns.engine.audience import snapshot
from hub.domain.campaigns import Campaign, Segment
from hub.domain.parties import Household, Person
from hub.errors import NotFound
from hub.ports import Store
from hub.store.sqlite import open_sqlite_store

TEMPLATES = {"email": "t-mail"}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    for i in range(7):
        await opened.persons.insert(Person(
            id=f"p{i}", name=f"P{i}", emails=[f"p{i}@example.com"] if i != 1 else [],
            household_id="h1" if i < 3 else None, tags=["vip"] if i % 2 else []))
    await opened.households.insert(Household(id="h1", name="Family"))
    yield opened
    await opened.close()


async def delivered_to(store: Store, campaign: Campaign) -> set[str]:
    return {p for p in (f"p{i}" for i in range(7))
            if await store.deliveries.for_person(campaign.id, p) is not None}


async def test_the_filter_picks_the_audience_and_a_second_run_adds_nobody(store: Store) -> None:
    campaign = Campaign(id="c1", name="VIP", templates=TEMPLATES,
                        filter={"field": "tags", "op": "contains", "value": "vip"})
    assert await snapshot(store, campaign, batch=2) == 3
    assert await snapshot(store, campaign, batch=2) == 0  # a crashed snapshot re-run
    assert await delivered_to(store, campaign) == {"p1", "p3", "p5"}


async def test_one_per_household_goes_to_the_first_member_who_can_be_reached(
        store: Store) -> None:
    campaign = Campaign(id="c2", name="Letter", channels=["email"], templates=TEMPLATES,
                        filter={"field": "tags", "op": "contains", "value": "vip"},
                        one_per_household=True)
    await snapshot(store, campaign)
    # p1 is the household's only VIP but has no email: the household gets nothing
    assert await delivered_to(store, campaign) == {"p3", "p5"}
    everyone = campaign.model_copy(update={"id": "c3", "filter": None})
    await snapshot(store, everyone)
    assert await delivered_to(store, everyone) == {"p0", "p3", "p4", "p5", "p6"}


async def test_a_saved_segment_is_read_at_snapshot_time(store: Store) -> None:
    await store.segments.insert(Segment(id="s1", name="No VIP", filter={
        "not": {"field": "tags", "op": "contains", "value": "vip"}}))
    campaign = Campaign(id="c4", name="Rest", templates=TEMPLATES, segment_id="s1")
    await snapshot(store, campaign)
    assert await delivered_to(store, campaign) == {"p0", "p2", "p4", "p6"}
    with pytest.raises(NotFound, match="segment"):
        await snapshot(store, campaign.model_copy(update={"segment_id": "gone"}))

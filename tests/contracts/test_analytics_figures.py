"""The one-read analytics figures (`pyramid_figures`, `kpi_figures`) on each backend against a
straightforward computation in Python over the same random data set, and the pyramid and KPIs
of the service against the per-party ranking they were built from (issue 20: the faster reads
must show the same numbers)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from campaigns.analytics import AnalyticsService, TierBounds, assign_tiers
from hub.domain.analytics import (
    MESSAGE_CHANNELS,
    REVENUE_TIERS,
    CallFigures,
)
from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event
from hub.domain.parties import Household, Person
from hub.domain.transactions import Transaction
from hub.ports import Store
from tests.support.response_walk import response_walk

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


class RandomWorld:
    """30 persons (some in 4 households, one merged away), 300 transactions over two years
    (refunds too), 400 events: calls, messages both ways, campaign sends, consent changes.
    Every event of a person has its own millisecond, so "ordered by time" is one order."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.households = [Household(id=f"h{i}-{new_id()}", name=f"H{i}") for i in range(4)]
        self.persons = [Person(id=f"p{i:02d}-{new_id()}", name=f"P{i}",
                               household_id=rng.choice(self.households).id
                               if rng.random() < 0.6 else None)
                        for i in range(30)]
        self.merged = Person(id="pm-" + new_id(), name="M", merged_into=self.persons[0].id)
        first = START - YEAR
        self.transactions: list[Transaction] = []
        for _ in range(300):
            buyer = rng.choice(self.persons).id if rng.random() < 0.9 else None
            self.transactions.append(Transaction(
                id=new_id(), external_id=new_id(), person_id=buyer,
                household_id=rng.choice(self.households).id
                if buyer is None or rng.random() < 0.1 else None,
                amount_minor=rng.choice([-500, 100, 1000, 2500, 2500, 7000, 40000]),
                occurred_at=first + timedelta(
                    milliseconds=rng.randrange(int(2.1 * 365 * 86400e3)))))
        used: set[int] = set()
        self.events: list[Event] = []
        for _ in range(400):
            ms = rng.randrange(int(2.1 * 365 * 86400e3))
            while ms in used:
                ms += 1
            used.add(ms)
            at = first + timedelta(milliseconds=ms)
            who = rng.choice(self.persons)
            kind = rng.random()
            fields: dict[str, Any] = {}
            if kind < 0.2:
                channel, direction = "call", rng.choice(["inbound", "outbound"])
                fields["call"] = CallInfo(
                    duration_s=rng.choice([None, rng.randrange(10, 900)]),
                    wait_s=rng.choice([None, rng.randrange(0, 300)]),
                    agent=rng.choice([None, "Ann", "Bob", "Cas"]))
            elif kind < 0.55:
                channel, direction = rng.choice(["email", "sms", "webform"]), "inbound"
            elif kind < 0.85:
                channel, direction = rng.choice(["email", "sms"]), "outbound"
                if rng.random() < 0.3:
                    fields["campaign_id"] = "c1"
            elif kind < 0.95:
                channel, direction = "system", "internal"
                fields["data"] = {"consent": {"channel": rng.choice(["email", "sms"]),
                                              "status": rng.choice(["opted_in", "opted_out"])}}
            else:
                channel, direction = "note", "internal"
            self.events.append(Event.model_validate({
                "id": new_id(), "person_id": who.id, "channel": channel,
                "direction": direction, "occurred_at": at, **fields}))

    async def load(self, store: Store) -> None:
        for household in self.households:
            await store.households.insert(household)
        for person in [*self.persons, self.merged]:
            await store.persons.insert(person)
        await store.transactions.append_many(self.transactions)
        await store.events.append_many(self.events)

    def party(self, tx: Transaction, level: str) -> str | None:
        if level == "person":
            return tx.person_id
        if tx.household_id is not None:
            return tx.household_id
        owner = next((p for p in self.persons if p.id == tx.person_id), None)
        return None if owner is None else owner.household_id

    def revenues(self, level: str) -> tuple[list[int], int]:
        """Revenues in [START, END) biggest first, and how many parties lapsed."""
        during: dict[str, int] = defaultdict(int)
        before: dict[str, int] = defaultdict(int)
        for tx in self.transactions:
            party = self.party(tx, level)
            if party is None or tx.occurred_at >= END:
                continue
            (during if tx.occurred_at >= START else before)[party] += tx.amount_minor
        revenues = sorted((r for r in during.values() if r > 0), reverse=True)
        lapsed = sum(1 for party, r in before.items() if r > 0 and during.get(party, 0) <= 0)
        return revenues, lapsed

    def in_period(self) -> list[Event]:
        return [e for e in self.events if START <= e.occurred_at < END]

    def calls(self) -> CallFigures:
        calls = [e.call for e in self.in_period() if e.channel == "call" and e.call]
        per_agent: dict[str, int] = defaultdict(int)
        for call in calls:
            if call.agent is not None:
                per_agent[call.agent] += 1
        durations = [c.duration_s for c in calls if c.duration_s is not None]
        waits = [c.wait_s for c in calls if c.wait_s is not None]
        return CallFigures(count=len(calls), duration_total_s=sum(durations),
                           duration_count=len(durations), wait_total_s=sum(waits),
                           wait_count=len(waits), per_agent=dict(per_agent))

    def counts(self, channels: tuple[str, ...] | None) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for e in self.in_period():
            if channels is None:
                consent = e.data.get("consent") if e.channel == "system" else None
                if consent:
                    row = found.setdefault(consent["channel"], {})
                    row[consent["status"]] = row.get(consent["status"], 0) + 1
            elif e.channel in channels:
                row = found.setdefault(e.channel, {})
                row[e.direction] = row.get(e.direction, 0) + 1
        return found

    def response_waits(self) -> tuple[list[int], int]:
        members = {person.id for person in self.persons}
        return response_walk([e for e in self.events if e.person_id in members], START, END)


@pytest.fixture(params=[1, 2])
async def random_world(store: Store, request: pytest.FixtureRequest) -> RandomWorld:
    world = RandomWorld(request.param)
    await world.load(store)
    return world


@pytest.mark.parametrize("level", ["person", "household"])
async def test_pyramid_figures_are_the_straightforward_sums(
        store: Store, random_world: RandomWorld, level: str) -> None:
    got = await store.analytics.pyramid_figures(level, START, END)  # type: ignore[arg-type]
    revenues, lapsed = random_world.revenues(level)
    assert revenues  # the data set has customers and lapsed ones, or the test says nothing
    assert (got.revenues, got.lapsed) == (revenues, lapsed)
    assert got.parties == (30 if level == "person" else 4)
    # and the per-party reads agree with the one read
    ranked = await store.analytics.revenue_by_party(level, START, END)  # type: ignore[arg-type]
    assert [p.revenue_minor for p in ranked] == revenues


async def test_kpi_figures_are_the_straightforward_counts(
        store: Store, random_world: RandomWorld) -> None:
    got = await store.analytics.kpi_figures(START, END)
    assert got.calls == random_world.calls()
    assert got.messages == random_world.counts(MESSAGE_CHANNELS)
    assert got.consent_changes == random_world.counts(None) != {}
    waits, unanswered = random_world.response_waits()
    assert len(waits) > 5 and unanswered > 0
    assert (got.responses.waits_ms, got.responses.unanswered) == (waits, unanswered)


async def test_service_pyramid_is_the_tiers_of_the_ranking(
        store: Store, random_world: RandomWorld) -> None:
    bounds = TierBounds(top=0.1, large=0.2, medium=0.3)
    got = await AnalyticsService(store).pyramid(START, END, bounds=bounds)
    ranked = await store.analytics.revenue_by_party("person", START, END)
    tiers = assign_tiers(ranked, bounds)
    expected = {tier: [0, 0] for tier in REVENUE_TIERS}
    for party in ranked:
        expected[tiers[party.party_id]][0] += 1
        expected[tiers[party.party_id]][1] += party.revenue_minor
    rows = {row["tier"]: row for row in got["tiers"]}
    assert {tier: [rows[tier]["customers"], round(rows[tier]["revenue"] * 100)]
            for tier in REVENUE_TIERS} == expected
    lapsed = await store.analytics.lapsed_parties("person", START, END)
    assert rows["inactive"]["customers"] == len(lapsed)
    assert rows["prospect"]["customers"] == 30 - len(ranked) - len(lapsed)
    assert got["customers"] == len(ranked)


async def test_service_kpis_show_the_straightforward_figures(
        store: Store, random_world: RandomWorld) -> None:
    got = await AnalyticsService(store).kpis(START, END)
    calls = random_world.calls()
    assert got["calls"]["count"] == calls.count
    assert got["calls"]["avg_duration_s"] == round(calls.duration_total_s
                                                   / calls.duration_count, 1)
    waits, unanswered = random_world.response_waits()
    seconds = [w / 1000 for w in waits]
    middle = (len(seconds) - 1) / 2
    median = (seconds[math.floor(middle)] + seconds[math.ceil(middle)]) / 2
    assert got["first_response_s"]["count"] == len(waits)
    assert got["first_response_s"]["unanswered"] == unanswered
    assert got["first_response_s"]["median"] == round(median, 1)

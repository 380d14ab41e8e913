"""Analytics aggregates on each backend, over a small data set whose answers are worked out by
hand in the comments (issue 7: pyramid, migration and KPIs computed in the database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.analytics import CallFigures, ContactMoment, PartyRevenue
from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event
from hub.domain.parties import Household, Organisation, Person
from hub.domain.segments import parse_filter, plan
from hub.domain.transactions import Transaction
from hub.ports import Store

Y2024 = datetime(2024, 1, 1, tzinfo=UTC)
Y2025 = datetime(2025, 1, 1, tzinfo=UTC)
Y2026 = datetime(2026, 1, 1, tzinfo=UTC)


def day(month: int, d: int = 1, year: int = 2025) -> datetime:
    return datetime(year, month, d, 12, 0, tzinfo=UTC)


class World:
    """P1, P2 live in H1; P3 in H2; P4, P5 alone; O1 an organisation; M a merged person."""

    def __init__(self) -> None:
        self.h1 = Household(id="h1" + new_id(), name="H1")
        self.h2 = Household(id="h2" + new_id(), name="H2")
        self.o1 = Organisation(id="o1" + new_id(), name="O1")
        self.p = [Person(id=f"p{i}" + new_id(), name=f"P{i}",
                         household_id={1: self.h1.id, 2: self.h1.id, 3: self.h2.id}.get(i))
                  for i in range(1, 6)]
        self.merged = Person(id="pm" + new_id(), name="M", merged_into=self.p[0].id)

    def tx(self, amount: int, when: datetime, *, person: int | None = None,
           household: str | None = None, organisation: str | None = None) -> Transaction:
        return Transaction(id=new_id(), external_id=new_id(), amount_minor=amount,
                           occurred_at=when,
                           person_id=self.p[person - 1].id if person else None,
                           household_id=household, organisation_id=organisation)

    async def load(self, store: Store) -> None:
        for h in (self.h1, self.h2):
            await store.households.insert(h)
        await store.organisations.insert(self.o1)
        for p in [*self.p, self.merged]:
            await store.persons.insert(p)
        await store.transactions.append_many([
            self.tx(10000, day(3), person=1), self.tx(5000, day(6), person=1),  # P1: 150.00
            self.tx(3000, day(2), person=2), self.tx(1000, day(5, year=2024), person=2),
            self.tx(8000, day(7, year=2024), person=3),  # P3: only before 2025 → lapsed
            self.tx(2000, Y2026 - timedelta(milliseconds=1), person=4),  # last ms of 2025
            self.tx(99900, Y2026, person=4),  # the end is excluded
            self.tx(1000, day(4), person=5), self.tx(-1000, day(4, 2), person=5),  # nets to 0
            self.tx(4000, day(5), household=self.h2.id),
            self.tx(50000, day(8), organisation=self.o1.id),
        ])


@pytest.fixture
async def world(store: Store) -> World:
    w = World()
    await w.load(store)
    return w


async def test_revenue_per_person_in_a_period(store: Store, world: World) -> None:
    p = world.p
    assert await store.analytics.revenue_by_party("person", Y2025, Y2026) == [
        PartyRevenue(p[0].id, 15000), PartyRevenue(p[1].id, 3000), PartyRevenue(p[3].id, 2000)]
    # open start: everything before 2026, P3's 2024 purchase too
    before = await store.analytics.revenue_by_party("person", None, Y2025)
    assert before == [PartyRevenue(p[2].id, 8000), PartyRevenue(p[1].id, 1000)]


async def test_revenue_per_household_counts_members_and_direct_purchases(
        store: Store, world: World) -> None:
    # H1 = P1 15000 + P2 3000; H2 = its own 4000 (P3 bought only in 2024)
    assert await store.analytics.revenue_by_party("household", Y2025, Y2026) == [
        PartyRevenue(world.h1.id, 18000), PartyRevenue(world.h2.id, 4000)]
    assert await store.analytics.revenue_by_party("organisation", Y2025, Y2026) == [
        PartyRevenue(world.o1.id, 50000)]


async def test_lapsed_and_counts(store: Store, world: World) -> None:
    assert await store.analytics.lapsed_parties("person", Y2025, Y2026) == [world.p[2].id]
    assert await store.analytics.lapsed_parties("household", Y2025, Y2026) == []
    assert await store.analytics.lapsed_parties("person", Y2026, Y2026 + timedelta(days=365)
                                                ) == sorted([world.p[0].id, world.p[1].id,
                                                             world.p[2].id])
    assert await store.analytics.party_count("person") == 5  # the merged one is not counted
    assert await store.analytics.party_count("household") == 2
    assert await store.analytics.party_count("organisation") == 1


async def test_set_tiers_is_what_segments_filter_on(store: Store, world: World) -> None:
    p = world.p
    written = await store.analytics.set_tiers(
        "person", {p[0].id: "top", p[2].id: "inactive"}, default="prospect")
    assert written == 5
    got = {q.id: q.attributes.get("pyramid_tier") for q in await store.persons.get_many(
        [q.id for q in p])}
    assert got == {p[0].id: "top", p[1].id: "prospect", p[2].id: "inactive",
                   p[3].id: "prospect", p[4].id: "prospect"}
    assert (await store.persons.get(p[0].id)).name == "P1"  # the rest of the record is kept
    predicate = plan(parse_filter({"field": "pyramid_tier", "op": "in",
                                   "value": ["top", "large"]}), Y2026)
    assert await store.persons.count_matching(predicate) == 1
    await store.analytics.set_tiers("household", {world.h1.id: "top"}, default="prospect")
    assert (await store.households.get(world.h1.id)).attributes["pyramid_tier"] == "top"
    assert (await store.households.get(world.h2.id)).attributes["pyramid_tier"] == "prospect"


def event(person: Person, channel: str, direction: str, when: datetime, **more: object
          ) -> Event:
    return Event.model_validate({"id": new_id(), "person_id": person.id, "channel": channel,
                                 "direction": direction, "occurred_at": when, **more})


async def test_call_and_message_figures(store: Store, world: World) -> None:
    p1, p2 = world.p[0], world.p[1]
    events = [
        event(p1, "call", "inbound", day(3), call=CallInfo(duration_s=100, wait_s=10,
                                                           agent="Ann")),
        event(p1, "call", "outbound", day(4), call=CallInfo(duration_s=200, agent="Ann")),
        event(p2, "call", "inbound", day(5), call=CallInfo(wait_s=30, agent="Bob")),
        event(p2, "call", "inbound", day(5, year=2024), call=CallInfo(duration_s=999)),
        event(p1, "email", "inbound", day(3)), event(p2, "email", "inbound", day(3)),
        event(p1, "email", "outbound", day(3), campaign_id="c1"),
        event(p2, "sms", "inbound", day(3)), event(p2, "note", "internal", day(3)),
        event(p2, "sms", "inbound", Y2026),
    ]
    await store.events.append_many(events)
    # 3 calls in 2025: durations 100 + 200 (2 known), waits 10 + 30 (2 known)
    assert await store.analytics.call_figures(Y2025, Y2026) == CallFigures(
        count=3, duration_total_s=300, duration_count=2, wait_total_s=40, wait_count=2,
        per_agent={"Ann": 2, "Bob": 1})
    assert await store.analytics.call_figures(Y2026, Y2026 + timedelta(days=1)) == CallFigures()
    assert await store.analytics.message_counts(Y2025, Y2026) == {
        "email": {"inbound": 2, "outbound": 1}, "sms": {"inbound": 1}}


async def test_contact_moments_and_consent_changes(store: Store, world: World) -> None:
    p1, p2, p3 = world.p[0], world.p[1], world.p[2]
    t = day(3)
    await store.events.append_many([
        event(p1, "email", "inbound", t),
        event(p1, "email", "outbound", t + timedelta(seconds=60)),  # the answer
        event(p2, "sms", "inbound", t + timedelta(seconds=5)),
        event(p2, "sms", "outbound", t + timedelta(seconds=6), campaign_id="c1"),  # not staff
        event(p2, "call", "outbound", t + timedelta(seconds=305)),  # the answer
        event(p3, "email", "outbound", t),  # P3 wrote nothing: not listed
        event(p1, "system", "internal", t, data={"consent": {"channel": "email",
                                                              "status": "opted_out"}}),
        event(p2, "system", "internal", t, data={"consent": {"channel": "email",
                                                              "status": "opted_out"}}),
        event(p2, "system", "internal", t, data={"consent": {"channel": "sms",
                                                              "status": "opted_in"}}),
        event(p2, "system", "internal", day(1, year=2024),
              data={"consent": {"channel": "sms", "status": "opted_out"}}),
        event(p3, "system", "internal", t, text="merged"),
    ])
    ms = int(t.timestamp() * 1000)
    moments = await store.analytics.contact_moments(Y2025, Y2026)
    expected = sorted([
        ContactMoment(p1.id, ms, True), ContactMoment(p1.id, ms + 60_000, False),
        ContactMoment(p2.id, ms + 5_000, True), ContactMoment(p2.id, ms + 305_000, False),
    ], key=lambda m: (m.person_id, m.at_ms))
    assert moments == expected
    assert await store.analytics.consent_changes(Y2025, Y2026) == {
        "email": {"opted_out": 2}, "sms": {"opted_in": 1}}

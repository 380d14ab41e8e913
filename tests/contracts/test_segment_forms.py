"""The two ways a backend evaluates a segment agree: over every person (counts, samples: on
SQLite the set-based form) and for a few given persons (`matching_ids`, what triggers and
journeys ask: the per-person form). Plus the newest contact when a person has contacts on
several channels, which SQLite 3.40 got wrong through an index with a DESC column."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.domain.transactions import Transaction
from hub.ports import Store
from tests.contracts.test_segments import CASES, NOW, build_world


@pytest.mark.parametrize("filter_, expected", CASES, ids=[str(i) for i in range(len(CASES))])
async def test_a_few_persons_match_as_in_a_count(store: Store, filter_: dict[str, Any],
                                                 expected: set[str]) -> None:
    world = await build_world(store)
    predicate = plan(parse_filter(filter_), NOW)
    names = {p.id: p.name for p in world.persons}
    inside = await store.persons.matching_ids(predicate, list(names))
    assert {names[i] for i in inside} == expected
    one = world.persons[0]
    assert await store.persons.matching_ids(predicate, [one.id]) == (
        {one.id} if one.name in expected else set())


async def _person_with_contacts(store: Store) -> Person:
    """Inbound on four channels; the newest contact is the SMS, 10 days ago."""
    person = Person(id=new_id(), name="Fenna")
    await store.persons.insert(person)
    for channel, days in (("call", 200), ("email", 120), ("sms", 10), ("whatsapp", 300)):
        await store.events.append(Event(
            id=new_id(), person_id=person.id, channel=channel, direction="inbound",
            occurred_at=NOW - timedelta(days=days)))
    await store.events.append(Event(  # not a contact channel: never the newest contact
        id=new_id(), person_id=person.id, channel="note", direction="internal",
        occurred_at=NOW - timedelta(days=1)))
    return person


@pytest.mark.parametrize("field", ["last_contact", "last_inbound"])
@pytest.mark.parametrize("filter_, matches", [
    ({"op": "within_days", "value": 30}, True),
    ({"op": "within_days", "value": 5}, False),
    ({"op": "older_than_days", "value": 30}, False),
    ({"op": "older_than_days", "value": 5}, True),
])
async def test_newest_contact_over_several_channels(store: Store, field: str,
                                                    filter_: dict[str, Any],
                                                    matches: bool) -> None:
    person = await _person_with_contacts(store)
    predicate = plan(parse_filter({"field": field, **filter_}), NOW)
    expected = {person.id} if matches else set()
    assert await store.persons.count_matching(predicate) == len(expected)
    assert {p.id for p in await store.persons.find_matching(predicate)} == expected
    assert await store.persons.matching_ids(predicate, [person.id]) == expected


@pytest.mark.parametrize("filter_, expected", [
    ({"field": "revenue", "op": "gte", "value": 100}, {"Gijs"}),
    ({"field": "revenue", "op": "lt", "value": 100}, {"Hanna", "Ids"}),
    ({"field": "revenue", "op": "lte", "value": 0}, {"Hanna", "Ids"}),
    ({"field": "revenue", "op": "eq", "value": 0}, {"Hanna", "Ids"}),
    ({"field": "revenue", "op": "ne", "value": 0}, {"Gijs"}),
    ({"field": "revenue", "op": "gt", "value": -1}, {"Gijs", "Hanna", "Ids"}),
])
async def test_revenue_counts_persons_without_purchases_as_zero(
        store: Store, filter_: dict[str, Any], expected: set[str]) -> None:
    people = [Person(id=new_id(), name=name) for name in ("Gijs", "Hanna", "Ids")]
    for person in people:
        await store.persons.insert(person)
    gijs, hanna, _ = people
    await store.transactions.append_many([
        Transaction(id=new_id(), external_id=new_id(), person_id=gijs.id, amount_minor=9000,
                    occurred_at=NOW - timedelta(days=3)),
        Transaction(id=new_id(), external_id=new_id(), person_id=gijs.id, amount_minor=2000,
                    occurred_at=NOW - timedelta(days=4)),
        Transaction(id=new_id(), external_id=new_id(), person_id=hanna.id, amount_minor=500,
                    occurred_at=NOW - timedelta(days=3)),
        Transaction(id=new_id(), external_id=new_id(), person_id=hanna.id, amount_minor=-500,
                    occurred_at=NOW - timedelta(days=2)),
    ])
    predicate = plan(parse_filter(filter_), NOW)
    names = {p.id: p.name for p in people}
    assert {names[p.id] for p in await store.persons.find_matching(predicate)} == expected
    assert await store.persons.count_matching(predicate) == len(expected)
    assert {names[i] for i in await store.persons.matching_ids(predicate, list(names))} == expected

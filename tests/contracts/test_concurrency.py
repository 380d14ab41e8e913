"""Unique keys hold under concurrent writers: the database decides, not a read-then-write."""

from __future__ import annotations

import asyncio

from hub.domain.common import new_id
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record

WRITERS = 50


async def test_concurrent_identity_inserts_have_exactly_one_winner(store: Store) -> None:
    candidates = [f.identity(new_id(), "anna@example.org") for _ in range(WRITERS)]

    results = await asyncio.gather(
        *(store.identities.insert(c) for c in candidates), return_exceptions=True
    )

    winners = [c for c, r in zip(candidates, results, strict=True) if r is None]
    errors = [r for r in results if r is not None]
    assert len(winners) == 1, results
    assert all(isinstance(e, DuplicateKey) for e in errors), errors
    assert len(errors) == WRITERS - 1
    assert_same_record(await store.identities.get("email", "anna@example.org"), winners[0])
    for candidate in candidates:
        expected = 1 if candidate is winners[0] else 0
        assert len(await store.identities.for_person(candidate.person_id)) == expected


async def test_concurrent_appends_of_one_key_store_one_event(store: Store) -> None:
    person_id = new_id()
    candidates = [
        f.event(person_id, channel="sms", direction="inbound", external_id="SM0123",
                text=f"attempt {i}")
        for i in range(WRITERS)
    ]

    results = await asyncio.gather(*(store.events.append(c) for c in candidates))

    inserted = [c for c, (_, new) in zip(candidates, results, strict=True) if new]
    assert len(inserted) == 1
    winner = inserted[0]
    assert {stored.id for stored, _ in results} == {winner.id}
    for stored, _ in results:
        assert_same_record(stored, winner)
    assert await store.events.count_for_person(person_id) == 1
    assert_same_record(await store.events.get(winner.id), winner)


async def test_concurrent_appends_of_different_keys_all_land(store: Store) -> None:
    person_id = new_id()
    events = [
        f.event(person_id, channel="sms", direction="inbound", external_id=f"SM{i}")
        for i in range(WRITERS)
    ]
    results = await asyncio.gather(*(store.events.append(e) for e in events))
    assert all(new for _, new in results)
    assert await store.events.count_for_person(person_id) == WRITERS

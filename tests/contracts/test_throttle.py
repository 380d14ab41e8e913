"""store.throttle: named slots with an expiry, taken atomically (rate limits and leases)."""

from __future__ import annotations

import asyncio

from hub.ports import Store
from tests.contracts import factories as f

WRITERS = 50


async def test_a_free_slot_is_taken_once(store: Store) -> None:
    assert await store.throttle.try_acquire("mail:anna", until=f.at(60), now=f.at(0)) is True
    assert await store.throttle.try_acquire("mail:anna", until=f.at(90), now=f.at(1)) is False
    assert await store.throttle.try_acquire("mail:anna", until=f.at(90), now=f.at(59)) is False


async def test_an_expired_slot_is_taken_again(store: Store) -> None:
    assert await store.throttle.try_acquire("lease", until=f.at(60), now=f.at(0)) is True
    # expired exactly at `until`
    assert await store.throttle.try_acquire("lease", until=f.at(120), now=f.at(60)) is True
    # the new expiry holds
    assert await store.throttle.try_acquire("lease", until=f.at(200), now=f.at(119)) is False
    assert await store.throttle.try_acquire("lease", until=f.at(200), now=f.at(121)) is True


async def test_a_refused_attempt_does_not_extend_the_slot(store: Store) -> None:
    assert await store.throttle.try_acquire("k", until=f.at(10), now=f.at(0)) is True
    assert await store.throttle.try_acquire("k", until=f.at(1000), now=f.at(5)) is False
    assert await store.throttle.try_acquire("k", until=f.at(20), now=f.at(10)) is True


async def test_slots_are_independent(store: Store) -> None:
    assert await store.throttle.try_acquire("mail:anna", until=f.at(60), now=f.at(0)) is True
    assert await store.throttle.try_acquire("mail:piet", until=f.at(60), now=f.at(0)) is True
    assert await store.throttle.try_acquire("mail:anna", until=f.at(60), now=f.at(1)) is False


async def test_times_in_any_zone_compare_as_instants(store: Store) -> None:
    until = f.at(60).astimezone(f.CET)
    assert await store.throttle.try_acquire("zone", until=until, now=f.at(0)) is True
    assert await store.throttle.try_acquire("zone", until=f.at(90),
                                            now=f.at(59).astimezone(f.CET)) is False
    assert await store.throttle.try_acquire("zone", until=f.at(90), now=f.at(60)) is True


async def test_concurrent_acquires_have_exactly_one_winner(store: Store) -> None:
    results = await asyncio.gather(
        *(store.throttle.try_acquire("hot", until=f.at(60), now=f.at(0)) for _ in range(WRITERS))
    )
    assert results.count(True) == 1

    # after expiry, again exactly one of many
    results = await asyncio.gather(
        *(store.throttle.try_acquire("hot", until=f.at(120), now=f.at(60 + i / 1000))
          for i in range(WRITERS))
    )
    assert results.count(True) == 1
    assert await store.throttle.try_acquire("hot", until=f.at(999), now=f.at(119)) is False

"""`record_sends` on SQLite: the ends and a chunk's starts share one transaction, but a start
that fails does not take the ends with it (those messages were handed over already)."""

from __future__ import annotations

import pytest

from hub.domain.events import StatusChange
from hub.errors import DuplicateKey
from hub.ports import SendEnd, Store
from tests.contracts import factories as f
from tests.contracts.test_send_many import leased_many, starts_of


async def test_a_failing_start_keeps_the_ends_recorded_with_it(store: Store) -> None:
    begun = starts_of(await leased_many(store, 2))
    assert await store.deliveries.start_send_many(begun, owner="w1") == [True, True]
    ends = [SendEnd(s.delivery.model_copy(update={"status": "sent", "lease_until": None}),
                    f"<{s.event.id}@x>", StatusChange(status="sent")) for s in begun]
    [next_one] = await leased_many(store, 1)
    [start] = starts_of([next_one])
    await store.events.append(f.event(next_one.person_id, id=start.event.id))  # taken id
    with pytest.raises(DuplicateKey):
        await store.deliveries.record_sends(ends, [start], owner="w1")
    for end in ends:
        stored = await store.deliveries.get(end.delivery.id)
        assert stored is not None and stored.status == "sent"
    untouched = await store.deliveries.get(next_one.id)
    assert untouched is not None and untouched.status == "leased"

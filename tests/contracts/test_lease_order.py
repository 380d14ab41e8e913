"""A lease takes the first deliveries in id order among the queued-and-due and the leased
whose lease ran out, together (the SQLite statement takes each kind by its own index walk)."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import ids
from tests.contracts.test_deliveries import delivery, queued


async def test_lease_mixes_expired_leases_and_due_deliveries_in_id_order(store: Store) -> None:
    campaign_id = new_id()
    made = await queued(store, campaign_id, 8)
    # all leased by a worker that died (the lease ends at 60); every other one given back
    taken = await store.deliveries.lease(campaign_id, owner="dead", now=f.at(0),
                                         until=f.at(60), limit=8)
    assert ids(taken) == ids(made)
    for one in made[1::2]:
        assert await store.deliveries.update(one, owner="dead")  # queued again
    later = delivery(campaign_id, not_before=f.at(500))
    await store.deliveries.insert_many([later])
    first = await store.deliveries.lease(campaign_id, owner="w", now=f.at(60), until=f.at(120),
                                         limit=5)
    assert ids(first) == ids(made[:5])
    rest = await store.deliveries.lease(campaign_id, owner="w", now=f.at(60), until=f.at(120),
                                        limit=5)
    assert ids(rest) == ids(made[5:])  # not the one due at 500
    assert {d.lease_owner for d in first + rest} == {"w"}

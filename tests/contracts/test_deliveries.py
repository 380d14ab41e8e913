"""Campaign deliveries on every backend (DESIGN §5, §10): unique on campaign+person and on
campaign+household, leases that go to exactly one of many concurrent claimers, expiry and
re-lease, reconciliation of stale `sending` deliveries, counts and opt-outs."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from hub.domain.campaigns import Delivery
from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, ids

CLAIMERS = 50
# claimers that each take up to 3 of 30 deliveries: more claims than deliveries, so they race
# for the same rows; sized to finish in seconds on a server (SecantusDB took 19-60 s with 50)
SHARERS = 12
LEASE = timedelta(seconds=60)


def delivery(campaign_id: str, **overrides: object) -> Delivery:
    fields: dict[str, object] = {"id": new_id(), "campaign_id": campaign_id,
                                 "person_id": new_id(), "updated_at": f.at()}
    return Delivery(**(fields | overrides))  # type: ignore[arg-type]


async def queued(store: Store, campaign_id: str, n: int) -> list[Delivery]:
    made = [delivery(campaign_id) for _ in range(n)]
    assert await store.deliveries.insert_many(made) == n
    return sorted(made, key=lambda d: d.id)


async def test_round_trip_every_field(store: Store) -> None:
    campaign_id = new_id()
    full = delivery(campaign_id, household_id=new_id(), household_key="hh-1", status="sent",
                    channel="email", attempts=2, not_before=f.at(3), lease_owner="w1",
                    lease_until=f.at(4), event_id=new_id(), provider_id="<m1@x>",
                    reason="email: mailbox full", opted_out_at=f.at(5))
    plain = delivery(campaign_id)
    assert await store.deliveries.insert_many([full, plain]) == 2
    assert await store.deliveries.insert_many([]) == 0
    assert_same_record(await store.deliveries.get(full.id), full)
    assert_same_record(await store.deliveries.get(plain.id), plain)
    assert_same_record(await store.deliveries.for_person(campaign_id, full.person_id), full)
    assert await store.deliveries.get(new_id()) is None
    assert await store.deliveries.for_person(new_id(), full.person_id) is None


async def test_unique_on_campaign_and_person(store: Store) -> None:
    campaign_id, other = new_id(), new_id()
    first = delivery(campaign_id)
    assert await store.deliveries.insert_many([first]) == 1
    again = delivery(campaign_id, person_id=first.person_id)
    elsewhere = delivery(other, person_id=first.person_id)
    fresh = delivery(campaign_id)
    assert await store.deliveries.insert_many([again, elsewhere, fresh]) == 2
    assert await store.deliveries.get(again.id) is None
    assert_same_record(await store.deliveries.for_person(campaign_id, first.person_id), first)
    assert_same_record(await store.deliveries.for_person(other, first.person_id), elsewhere)
    # a snapshot re-run after a crash inserts only what is missing
    assert await store.deliveries.insert_many([first, fresh]) == 0
    assert (await store.deliveries.counts(campaign_id)).total == 2


async def test_unique_on_campaign_and_household(store: Store) -> None:
    campaign_id, other = new_id(), new_id()
    mum = delivery(campaign_id, household_id="h1", household_key="h1")
    dad = delivery(campaign_id, household_id="h1", household_key="h1")
    lodger = delivery(campaign_id, household_id="h1")  # no key: not one_per_household
    single = delivery(campaign_id)
    alone = delivery(campaign_id)
    assert await store.deliveries.insert_many([mum, dad, lodger, single, alone]) == 4
    kept = [d for d in (mum, dad) if await store.deliveries.get(d.id) is not None]
    assert len(kept) == 1
    assert await store.deliveries.insert_many(
        [delivery(campaign_id, household_id="h1", household_key="h1")]) == 0
    assert await store.deliveries.insert_many(
        [delivery(other, household_id="h1", household_key="h1")]) == 1
    assert (await store.deliveries.counts(campaign_id)).total == 4


async def test_concurrent_inserts_of_one_pair_have_one_winner(store: Store) -> None:
    campaign_id, person_id = new_id(), new_id()
    results = await asyncio.gather(*(
        store.deliveries.insert_many([delivery(campaign_id, person_id=person_id)])
        for _ in range(CLAIMERS)))
    assert sorted(results) == [0] * (CLAIMERS - 1) + [1]


async def test_lease_in_id_order_up_to_limit(store: Store) -> None:
    campaign_id = new_id()
    made = await queued(store, campaign_id, 5)
    await queued(store, new_id(), 3)  # another campaign's are never taken
    now = f.at()
    first = await store.deliveries.lease(campaign_id, owner="w1", now=now, until=now + LEASE,
                                         limit=2)
    assert ids(first) == ids(made[:2])
    for taken in first:
        assert taken.status == "leased" and taken.lease_owner == "w1"
        assert taken.lease_until == now + LEASE
        assert_same_record(await store.deliveries.get(taken.id), taken)
    rest = await store.deliveries.lease(campaign_id, owner="w2", now=now, until=now + LEASE,
                                        limit=10)
    assert ids(rest) == ids(made[2:])
    assert await store.deliveries.lease(campaign_id, owner="w3", now=now, until=now + LEASE,
                                        limit=10) == []
    assert await store.deliveries.lease(campaign_id, owner="w3", now=now, until=now + LEASE,
                                        limit=0) == []
    assert (await store.deliveries.counts(campaign_id)).by_status == {"leased": 5}


async def test_lease_waits_for_not_before(store: Store) -> None:
    campaign_id = new_id()
    later = delivery(campaign_id, not_before=f.at(30))
    await store.deliveries.insert_many([later])
    early = await store.deliveries.lease(campaign_id, owner="w", now=f.at(29),
                                         until=f.at(90), limit=5)
    assert early == []
    due = await store.deliveries.lease(campaign_id, owner="w", now=f.at(30), until=f.at(90),
                                       limit=5)
    assert ids(due) == [later.id]


async def test_one_of_many_concurrent_claimers_wins_a_delivery(store: Store) -> None:
    campaign_id = new_id()
    (only,) = await queued(store, campaign_id, 1)
    now = f.at()
    results = await asyncio.gather(*(
        store.deliveries.lease(campaign_id, owner=f"w{i}", now=now, until=now + LEASE, limit=1)
        for i in range(CLAIMERS)))
    winners = [i for i, got in enumerate(results) if got]
    assert len(winners) == 1 and ids(results[winners[0]]) == [only.id]
    stored = await store.deliveries.get(only.id)
    assert stored is not None and stored.lease_owner == f"w{winners[0]}"


async def test_concurrent_claimers_share_a_campaign_without_overlap(store: Store) -> None:
    campaign_id = new_id()
    made = await queued(store, campaign_id, 30)
    now = f.at()
    results = await asyncio.gather(*(
        store.deliveries.lease(campaign_id, owner=f"w{i}", now=now, until=now + LEASE, limit=3)
        for i in range(SHARERS)))
    taken = Counter(d.id for got in results for d in got)
    assert set(taken) == set(ids(made)) and set(taken.values()) == {1}
    for i, got in enumerate(results):
        for d in got:
            stored = await store.deliveries.get(d.id)
            assert stored is not None and stored.lease_owner == f"w{i}"


async def test_expired_lease_is_taken_again_and_the_old_owner_is_shut_out(
        store: Store) -> None:
    campaign_id = new_id()
    (only,) = await queued(store, campaign_id, 1)
    (mine,) = await store.deliveries.lease(campaign_id, owner="old", now=f.at(0),
                                           until=f.at(60), limit=1)
    assert await store.deliveries.lease(campaign_id, owner="new", now=f.at(59),
                                        until=f.at(120), limit=1) == []
    (theirs,) = await store.deliveries.lease(campaign_id, owner="new", now=f.at(60),
                                             until=f.at(120), limit=1)
    assert theirs.id == only.id and theirs.lease_owner == "new"
    assert theirs.lease_until == f.at(120)
    # the first worker wakes up: its conditional write is refused
    late = mine.model_copy(update={"status": "sending", "event_id": new_id()})
    assert await store.deliveries.update(late, owner="old") is False
    assert_same_record(await store.deliveries.get(only.id), theirs)
    done = theirs.model_copy(update={"status": "sent", "provider_id": "p1", "lease_until": None,
                                     "updated_at": f.at(121)})
    assert await store.deliveries.update(done, owner="new") is True
    stored = await store.deliveries.get(only.id)
    assert stored is not None and stored.status == "sent" and stored.provider_id == "p1"
    assert stored.updated_at > f.at(121)  # stamped by the store
    # a final delivery is never leased again, however old its lease
    assert await store.deliveries.lease(campaign_id, owner="x", now=f.at(10_000),
                                        until=f.at(10_060), limit=1) == []


async def test_concurrent_re_lease_of_an_expired_lease_has_one_winner(store: Store) -> None:
    campaign_id = new_id()
    await queued(store, campaign_id, 1)
    await store.deliveries.lease(campaign_id, owner="dead", now=f.at(0), until=f.at(1), limit=1)
    results = await asyncio.gather(*(
        store.deliveries.lease(campaign_id, owner=f"w{i}", now=f.at(2), until=f.at(62), limit=1)
        for i in range(CLAIMERS)))
    assert sum(1 for got in results if got) == 1


async def test_update_without_owner_and_released_deliveries(store: Store) -> None:
    campaign_id = new_id()
    (only,) = await queued(store, campaign_id, 1)
    (held,) = await store.deliveries.lease(campaign_id, owner="w", now=f.at(), until=f.at(60),
                                           limit=1)
    released = held.model_copy(update={"status": "queued", "lease_owner": None,
                                       "lease_until": None})
    assert await store.deliveries.update(released, owner="w") is True
    (again,) = await store.deliveries.lease(campaign_id, owner="v", now=f.at(1),
                                            until=f.at(61), limit=1)
    assert again.id == only.id and again.lease_owner == "v"
    forced = again.model_copy(update={"status": "skipped", "reason": "cancelled"})
    assert await store.deliveries.update(forced, owner=None) is True
    assert await store.deliveries.update(delivery(campaign_id), owner=None) is False


async def test_stale_sending_takes_only_expired_sends(store: Store) -> None:
    campaign_id = new_id()
    made = await queued(store, campaign_id, 4)
    leased = await store.deliveries.lease(campaign_id, owner="dead", now=f.at(0),
                                          until=f.at(10), limit=4)
    sending = [d.model_copy(update={"status": "sending", "event_id": new_id(),
                                    "lease_until": f.at(10 * (i + 1))})
               for i, d in enumerate(leased[:3])]
    for d in sending:
        assert await store.deliveries.update(d, owner="dead")
    # made[3] stays `leased` with an expired lease: that is lease()'s, not stale_sending()'s
    stale = await store.deliveries.stale_sending(campaign_id, owner="fixer", now=f.at(20),
                                                 until=f.at(80), limit=10)
    assert ids(stale) == ids(made[:2])
    for d in stale:
        assert d.status == "sending" and d.lease_owner == "fixer"
        assert d.lease_until == f.at(80) and d.event_id is not None
        assert_same_record(await store.deliveries.get(d.id), d)
    assert await store.deliveries.stale_sending(campaign_id, owner="other", now=f.at(20),
                                                until=f.at(80), limit=10) == []
    limited = await store.deliveries.stale_sending(campaign_id, owner="fixer", now=f.at(30),
                                                   until=f.at(90), limit=0)
    assert limited == []
    (third,) = await store.deliveries.stale_sending(campaign_id, owner="fixer", now=f.at(30),
                                                    until=f.at(90), limit=10)
    assert third.id == made[2].id
    # lease() never takes a `sending` delivery, however stale: it may have been sent
    taken = await store.deliveries.lease(campaign_id, owner="w", now=f.at(1000),
                                         until=f.at(1060), limit=10)
    assert ids(taken) == [made[3].id]
    # and the dead worker can no longer write any of them
    assert not await store.deliveries.update(
        sending[0].model_copy(update={"status": "sent"}), owner="dead")


async def test_concurrent_reconcilers_take_a_stale_send_once(store: Store) -> None:
    campaign_id = new_id()
    await queued(store, campaign_id, 1)
    (held,) = await store.deliveries.lease(campaign_id, owner="dead", now=f.at(0),
                                           until=f.at(1), limit=1)
    await store.deliveries.update(held.model_copy(update={"status": "sending"}), owner="dead")
    results = await asyncio.gather(*(
        store.deliveries.stale_sending(campaign_id, owner=f"w{i}", now=f.at(5), until=f.at(65),
                                       limit=1) for i in range(CLAIMERS)))
    assert sum(len(got) for got in results) == 1


async def test_counts_by_status_and_opt_outs(store: Store) -> None:
    campaign_id, other = new_id(), new_id()
    statuses = ["queued"] * 3 + ["sent"] * 4 + ["skipped"] * 2 + ["failed", "unknown",
                                                                   "delivered"]
    made = [delivery(campaign_id, status=s) for s in statuses]
    await store.deliveries.insert_many(made)
    await store.deliveries.insert_many([delivery(other, status="sent")])
    counts = await store.deliveries.counts(campaign_id)
    assert counts.by_status == {"queued": 3, "sent": 4, "skipped": 2, "failed": 1,
                                "unknown": 1, "delivered": 1}
    assert counts.total == len(statuses) and counts.get("leased") == 0
    assert counts.opted_out == 0
    empty = await store.deliveries.counts(new_id())
    assert empty.by_status == {} and empty.total == 0 and empty.opted_out == 0

    sent = made[3]
    assert await store.deliveries.mark_opted_out(campaign_id, sent.person_id, f.at(50))
    assert not await store.deliveries.mark_opted_out(campaign_id, sent.person_id, f.at(60))
    assert not await store.deliveries.mark_opted_out(campaign_id, new_id(), f.at(60))
    assert not await store.deliveries.mark_opted_out(other, sent.person_id, f.at(60))
    stored = await store.deliveries.get(sent.id)
    assert stored is not None and stored.opted_out_at == f.at(50)  # the first one counts
    assert stored.status == "sent"
    assert await store.deliveries.mark_opted_out(campaign_id, made[0].person_id, f.at(70))
    counts = await store.deliveries.counts(campaign_id)
    assert counts.opted_out == 2 and counts.by_status["sent"] == 4
    assert (await store.deliveries.counts(other)).opted_out == 0
    # a later full write keeps the opt-out it carries
    later = stored.model_copy(update={"status": "delivered"})
    assert await store.deliveries.update(later, owner=None)
    assert (await store.deliveries.counts(campaign_id)).opted_out == 2


async def test_cancel_open_takes_queued_and_leased_but_not_sending_or_done(
        store: Store) -> None:
    campaign_id = new_id()
    made = await queued(store, campaign_id, 6)
    other = await queued(store, new_id(), 2)
    now = f.at()
    [leased] = await store.deliveries.lease(campaign_id, owner="w1", now=now,
                                            until=now + LEASE, limit=1)
    sending = made[1].model_copy(update={"status": "sending", "lease_owner": "w1"})
    sent = made[2].model_copy(update={"status": "sent"})
    for done in (sending, sent):
        assert await store.deliveries.update(done, owner=None)
    assert await store.deliveries.cancel_open(campaign_id, "the campaign was cancelled") == 4
    counts = await store.deliveries.counts(campaign_id)
    assert counts.by_status == {"cancelled": 4, "sending": 1, "sent": 1}
    stored = await store.deliveries.get(leased.id)
    assert stored is not None and stored.status == "cancelled"
    assert stored.lease_owner is None and stored.reason == "the campaign was cancelled"
    assert await store.deliveries.lease(campaign_id, owner="w2", now=now, until=now + LEASE,
                                        limit=10) == []
    assert (await store.deliveries.counts(other[0].campaign_id)).by_status == {"queued": 2}


async def test_language_fallbacks_are_counted(store: Store) -> None:
    """A delivery sent in the campaign's language for want of the recipient's template."""
    campaign_id = new_id()
    fell_back = delivery(campaign_id, status="sent", language="nl", language_fallback=True)
    own = delivery(campaign_id, status="sent", language="en")
    await store.deliveries.insert_many([fell_back, own, delivery(campaign_id)])
    assert_same_record(await store.deliveries.get(fell_back.id), fell_back)
    assert (await store.deliveries.counts(campaign_id)).language_fallbacks == 1
    later = own.model_copy(update={"language": "nl", "language_fallback": True})
    assert await store.deliveries.update(later, owner=None)
    assert (await store.deliveries.counts(campaign_id)).language_fallbacks == 2
    assert (await store.deliveries.counts(new_id())).language_fallbacks == 0

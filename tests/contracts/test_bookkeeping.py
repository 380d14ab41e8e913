"""store.suppressions, store.transactions and store.channel_state."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f


async def test_suppression_contains(store: Store) -> None:
    suppression = f.suppression()
    assert await store.suppressions.contains(suppression.hash) is False
    await store.suppressions.add(suppression)
    assert await store.suppressions.contains(suppression.hash) is True
    assert await store.suppressions.contains(f.suppression().hash) is False


async def test_suppression_add_is_idempotent(store: Store) -> None:
    suppression = f.suppression(kind="phone")
    await store.suppressions.add(suppression)
    await store.suppressions.add(suppression)
    await store.suppressions.add(f.suppression(hash=suppression.hash, created_at=f.at(60)))
    assert await store.suppressions.contains(suppression.hash) is True


async def test_transactions_append_many_counts_inserted(store: Store) -> None:
    assert await store.transactions.count() == 0
    person_id = new_id()
    batch = [
        f.transaction(person_id),
        f.transaction(None, household_id=new_id(), amount_minor=-500),
        f.transaction(None, organisation_id=new_id(), currency="USD", amount_minor=10**12),
    ]
    assert await store.transactions.append_many(batch) == 3
    assert await store.transactions.count() == 3
    assert await store.transactions.append_many([]) == 0


async def test_transactions_are_idempotent_on_external_id(store: Store) -> None:
    person_id = new_id()
    first = [f.transaction(person_id, external_id=f"INV-{i}") for i in range(3)]
    assert await store.transactions.append_many(first) == 3
    again = [f.transaction(person_id, external_id=f"INV-{i}") for i in range(5)]
    assert await store.transactions.append_many(again) == 2
    assert await store.transactions.append_many(again) == 0
    twice_in_one_batch = [
        f.transaction(person_id, external_id="INV-X"),
        f.transaction(person_id, external_id="INV-X"),
    ]
    assert await store.transactions.append_many(twice_in_one_batch) == 1
    assert await store.transactions.count() == 6


async def test_transactions_reassign_person(store: Store) -> None:
    duplicate, survivor = new_id(), new_id()
    await store.transactions.append_many(
        [f.transaction(duplicate) for _ in range(3)]
        + [f.transaction(survivor), f.transaction(None, household_id=new_id())]
    )
    assert await store.transactions.reassign_person(duplicate, survivor) == 3
    assert await store.transactions.reassign_person(duplicate, survivor) == 0
    assert await store.transactions.reassign_person(survivor, duplicate) == 4
    assert await store.transactions.count() == 5


async def test_channel_state_get_put(store: Store) -> None:
    key = "imap:service@hub.example/INBOX"
    assert await store.channel_state.get(key) is None
    value = {"uidvalidity": 3_857_529_045, "last_uid": 42, "mailbox": "INBOX",
             "seen": [1, 2, 3], "nested": {"ok": True, "none": None, "ratio": 0.5}}
    await store.channel_state.put(key, value)
    assert await store.channel_state.get(key) == value
    assert await store.channel_state.get("imap:other/INBOX") is None


async def test_channel_state_put_overwrites(store: Store) -> None:
    await store.channel_state.put("twilio", {"a": 1, "b": 2})
    await store.channel_state.put("twilio", {"a": 3})
    assert await store.channel_state.get("twilio") == {"a": 3}
    await store.channel_state.put("other", {"a": 9})
    assert await store.channel_state.get("twilio") == {"a": 3}


async def test_transactions_for_person_pages_their_own_in_id_order(store: Store) -> None:
    person_id, other = new_id(), new_id()
    mine = [f.transaction(person_id) for _ in range(5)]
    await store.transactions.append_many([*mine, f.transaction(other),
                                          f.transaction(None, household_id=new_id())])
    first = await store.transactions.for_person(person_id, limit=3)
    rest = await store.transactions.for_person(person_id, limit=3, after_id=first[-1].id)
    assert [t.id for t in first + rest] == sorted(t.id for t in mine)
    assert await store.transactions.for_person(new_id(), limit=3) == []

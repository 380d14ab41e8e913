"""What erasure needs of the store: a transaction's reference rewritten in place, and a
quarantine entry deleted."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.test_quarantine import entry as quarantine_entry


async def test_a_transaction_is_replaced_with_a_new_reference(store: Store) -> None:
    person_id = new_id()
    kept = f.transaction(person_id, external_id="INV-1")
    other = f.transaction(person_id, external_id="INV-2")
    await store.transactions.append_many([kept, other])
    await store.transactions.replace(kept.model_copy(update={"external_id": "erased:abc"}))
    found = {t.id: t for t in await store.transactions.for_person(person_id, limit=10)}
    assert found[kept.id].external_id == "erased:abc"
    assert found[kept.id].amount_minor == kept.amount_minor
    assert found[other.id].external_id == "INV-2"
    # the old reference is free again, the new one is taken
    assert await store.transactions.append_many(
        [f.transaction(person_id, external_id="INV-1"),
         f.transaction(person_id, external_id="erased:abc")]) == 1


async def test_a_quarantine_entry_is_deleted(store: Store) -> None:
    entry = quarantine_entry()
    await store.quarantine.insert(entry)
    assert await store.quarantine.delete(entry.id) is True
    assert await store.quarantine.get(entry.id) is None
    assert await store.quarantine.get_by_sha256(entry.sha256) is None
    assert await store.quarantine.delete(entry.id) is False

"""store.quarantine: raw inbound input held with its reason, paged by id, filtered by status."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest

from hub.domain.common import new_id
from hub.domain.quarantine import QuarantineEntry
from hub.errors import DuplicateKey, NotFound
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find

RAW = b"From: broken\r\nSubject: =?bad?=\r\n\r\nbody"
SHA = hashlib.sha256(RAW).hexdigest()


def entry(**overrides: Any) -> QuarantineEntry:
    """An entry for RAW, or with `unique=True` for bytes of its own (sha256 is unique)."""
    unique = overrides.pop("unique", False)
    sha = hashlib.sha256(RAW + new_id().encode()).hexdigest() if unique else SHA
    fields: dict[str, Any] = {
        "id": new_id(),
        "source": "imap:INBOX",
        "reason": "unparseable MIME: missing boundary",
        "received_at": f.at(),
        "size": len(RAW),
        "sha256": sha,
        "blob_key": sha,
    }
    return QuarantineEntry(**(fields | overrides))


def full_entry(**overrides: Any) -> QuarantineEntry:
    fields: dict[str, Any] = {
        "source": "mta",
        "status": "failed_again",
        "event_id": new_id(),
        "attempts": 3,
        # microseconds and a non-UTC zone: kept as the instant in UTC, in ms
        "received_at": datetime(2025, 3, 1, 10, 30, 15, 123456, tzinfo=f.CET),
        "details": {"uid": 42, "uidvalidity": 7, "headers": {"message-id": None},
                    "errors": ["no From", "bad date"], "at": "2025-03-01"},
    }
    return entry(**(fields | overrides))


async def test_entry_round_trips(store: Store) -> None:
    held = full_entry()
    await store.quarantine.insert(held)
    assert_same_record(await store.quarantine.get(held.id), held)


async def test_minimal_entry_has_defaults(store: Store) -> None:
    held = entry()
    await store.quarantine.insert(held)
    stored = await store.quarantine.get(held.id)
    assert_same_record(stored, held)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.event_id, stored.details) == (
        "held", 0, None, {})


async def test_unknown_entry_is_none(store: Store) -> None:
    await store.quarantine.insert(entry())
    assert await store.quarantine.get(new_id()) is None


async def test_existing_id_raises_duplicate_key(store: Store) -> None:
    held = entry()
    await store.quarantine.insert(held)
    with pytest.raises(DuplicateKey):
        await store.quarantine.insert(entry(id=held.id, reason="other"))
    assert_same_record(await store.quarantine.get(held.id), held)


async def test_the_same_bytes_twice_are_one_entry(store: Store) -> None:
    first = entry()
    await store.quarantine.insert(first)
    with pytest.raises(DuplicateKey):
        await store.quarantine.insert(entry(source="cli"))
    assert ids(await store.quarantine.find()) == [first.id]
    assert_same_record(await store.quarantine.get_by_sha256(SHA), first)
    other = hashlib.sha256(b"other bytes").hexdigest()
    assert await store.quarantine.get_by_sha256(other) is None
    second = entry(sha256=other, blob_key=other)
    await store.quarantine.insert(second)
    assert ids(await store.quarantine.find()) == sorted([first.id, second.id])


async def test_replace_records_a_retry(store: Store) -> None:
    held = entry()
    await store.quarantine.insert(held)
    resolved = held.model_copy(
        update={"status": "resolved", "event_id": new_id(), "attempts": 1,
                "details": {"retried_by": "kees"}}
    )
    await store.quarantine.replace(resolved)
    assert_same_record(await store.quarantine.get(held.id), resolved)


async def test_replace_missing_entry_raises_not_found(store: Store) -> None:
    held = entry()
    with pytest.raises(NotFound):
        await store.quarantine.replace(held)
    assert await store.quarantine.get(held.id) is None


async def test_find_pages_in_id_order(store: Store) -> None:
    entries = [entry(unique=True) for _ in range(7)]
    for held in entries[::-1]:
        await store.quarantine.insert(held)
    pages = await walk_find(store.quarantine.find, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert ids(flat(pages)) == sorted(ids(entries))
    assert await store.quarantine.find(limit=0) == []


async def test_find_by_status_pages(store: Store) -> None:
    entries = [entry(status=("held", "resolved", "failed_again")[i % 3], unique=True)
               for i in range(10)]
    for held in entries:
        await store.quarantine.insert(held)
    for status in ("held", "resolved", "failed_again"):
        pages = await walk_find(store.quarantine.find, 2, status=status)
        expected = sorted(e.id for e in entries if e.status == status)
        assert ids(flat(pages)) == expected
        for record in flat(pages):
            assert_same_record(record, next(e for e in entries if e.id == record.id))


async def test_replace_moves_an_entry_between_statuses(store: Store) -> None:
    held = entry()
    await store.quarantine.insert(held)
    assert ids(await store.quarantine.find(status="held")) == [held.id]
    await store.quarantine.replace(held.model_copy(update={"status": "resolved"}))
    assert await store.quarantine.find(status="held") == []
    assert ids(await store.quarantine.find(status="resolved")) == [held.id]

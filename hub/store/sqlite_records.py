"""SQLite repositories for small keyed records: transactions, suppressions, channel state,
quarantined input, form definitions and throttle slots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.forms import FormDefinition
from hub.domain.identities import Suppression
from hub.domain.quarantine import QuarantineEntry, QuarantineStatus
from hub.domain.transactions import Transaction
from hub.store.sqlite_base import DocTable, dump
from hub.store.sqlite_db import Database


class SqliteTransactions(DocTable[Transaction]):
    """`external_id` is UNIQUE: re-importing the same export stores nothing twice."""

    table = "transactions"
    model = Transaction
    columns = ("external_id", "person_id", "occurred_at", "amount_minor", "household_id",
               "organisation_id")  # the last four since migration 4, for analytics

    def indexed(self, record: Transaction) -> tuple[Any, ...]:
        return (record.external_id, record.person_id, iso(record.occurred_at),
                record.amount_minor, record.household_id, record.organisation_id)

    async def append_many(self, transactions: Sequence[Transaction]) -> int:
        """Insert in one transaction, skipping external ids already stored (or repeated)."""
        sql = self._insert_sql + " ON CONFLICT (external_id) DO NOTHING"
        async with self._db.transaction() as session:
            return await session.run_many(sql, (self._row(t) for t in transactions))

    async def count(self) -> int:
        return await self._count()

    async def for_person(self, person_id: str, *, limit: int,
                         after_id: str | None = None) -> list[Transaction]:
        return await self._select(["person_id = ?"], (person_id,), limit=limit,
                                  after_id=after_id)

    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        return await self._reassign_person(from_person_id, to_person_id)


class SqliteSuppressions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, suppression: Suppression) -> None:
        """Idempotent: a hash stored before keeps its first record."""
        await self._db.run(
            "INSERT INTO suppressions (hash, doc) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
            (suppression.hash, dump(suppression)),
        )

    async def contains(self, address_hash: str) -> bool:
        found = await self._db.value("SELECT 1 FROM suppressions WHERE hash = ?", (address_hash,))
        return found is not None


class SqliteChannelState:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> dict[str, Any] | None:
        doc = await self._db.value("SELECT doc FROM channel_state WHERE key = ?", (key,))
        return None if doc is None else dict(json.loads(doc))

    async def put(self, key: str, value: dict[str, Any]) -> None:
        await self._db.run(
            "INSERT INTO channel_state (key, doc) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET doc = excluded.doc",
            (key, json.dumps(value)),
        )

    async def delete(self, key: str) -> bool:
        return bool(await self._db.run("DELETE FROM channel_state WHERE key = ?", (key,)))


class SqliteQuarantine(DocTable[QuarantineEntry]):
    """`sha256` is UNIQUE (migration 5): the same raw bytes are held once."""

    table = "quarantine"
    model = QuarantineEntry
    columns = ("status", "sha256")

    async def delete(self, entry_id: str) -> bool:
        return await self._delete(entry_id)

    def indexed(self, record: QuarantineEntry) -> tuple[Any, ...]:
        return (record.status, record.sha256)

    async def get_by_sha256(self, sha256: str) -> QuarantineEntry | None:
        found = await self._select(["sha256 = ?"], [sha256], limit=1)
        return found[0] if found else None

    async def find(
        self,
        *,
        status: QuarantineStatus | None = None,
        limit: int = 50,
        after_id: str | None = None,
    ) -> list[QuarantineEntry]:
        if status is None:
            return await self._select(limit=limit, after_id=after_id)
        return await self._select(["status = ?"], [status], limit=limit, after_id=after_id)


class SqliteForms(DocTable[FormDefinition]):
    """`slug` is UNIQUE: one form per public address `/f/{slug}`."""

    table = "forms"
    model = FormDefinition
    columns = ("slug",)

    def indexed(self, record: FormDefinition) -> tuple[Any, ...]:
        return (record.slug,)

    async def get_by_slug(self, slug: str) -> FormDefinition | None:
        found = await self._select(["slug = ?"], [slug], limit=1)
        return found[0] if found else None

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[FormDefinition]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteThrottle:
    """One row per slot; the upsert only overwrites an expired slot, in one statement."""

    ACQUIRE_SQL = (
        "INSERT INTO throttle (key, until) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE throttle.until <= ?"
    )

    def __init__(self, db: Database) -> None:
        self._db = db

    async def try_acquire(self, key: str, until: datetime, now: datetime) -> bool:
        changed = await self._db.run(self.ACQUIRE_SQL, (key, iso(until), iso(now)))
        return changed == 1

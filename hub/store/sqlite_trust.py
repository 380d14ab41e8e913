"""SQLite repositories for topics (preference centre) and merge audits (unmerge)."""

from __future__ import annotations

from typing import Any, ClassVar

from hub.domain.merges import MergeRecord
from hub.domain.topics import Topic
from hub.store.sqlite_base import DocTable

TRUST_TABLES: tuple[str, ...] = (
    "CREATE TABLE topics (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    """CREATE TABLE merges (id TEXT PRIMARY KEY, survivor_id TEXT NOT NULL,
        duplicate_id TEXT NOT NULL, doc TEXT NOT NULL)""",
    "CREATE INDEX merges_survivor ON merges (survivor_id, id)",
    "CREATE INDEX merges_duplicate ON merges (duplicate_id, id)",
)
"""One migration (appended to `sqlite_schema.MIGRATIONS`)."""


class SqliteTopics(DocTable[Topic]):  # type: ignore[type-var]
    table = "topics"
    model = Topic

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Topic]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteMerges(DocTable[MergeRecord]):  # type: ignore[type-var]
    table = "merges"
    model = MergeRecord
    columns: ClassVar[tuple[str, ...]] = ("survivor_id", "duplicate_id")

    def indexed(self, record: MergeRecord) -> tuple[Any, ...]:
        return (record.survivor_id, record.duplicate_id)

    async def for_person(self, person_id: str, *, limit: int = 50) -> list[MergeRecord]:
        rows = await self._db.rows(
            "SELECT doc FROM merges WHERE survivor_id = ? OR duplicate_id = ? "
            "ORDER BY id DESC LIMIT ?", (person_id, person_id, max(0, limit)))
        return [self._load(doc) for (doc,) in rows]

    async def delete_for_person(self, person_id: str) -> int:
        return await self._db.run(
            "DELETE FROM merges WHERE survivor_id = ? OR duplicate_id = ?",
            (person_id, person_id))

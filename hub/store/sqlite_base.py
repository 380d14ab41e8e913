"""The shared shape of the SQLite repositories: a table of JSON documents keyed by `id`.

A subclass names its table, its record model and the indexed columns it derives from a
record; it gets insert, get, replace and the paging helpers its protocol methods build on.
Table and column names come from these class attributes only, never from callers; values
always travel as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast

from hub.domain.campaigns import Campaign, MessageTemplate, Segment
from hub.domain.common import Record
from hub.domain.events import Event
from hub.domain.forms import FormDefinition
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.quarantine import QuarantineEntry
from hub.domain.staff import ApiToken, User
from hub.domain.transactions import Transaction
from hub.errors import NotFound
from hub.store.sqlite_db import Database, Params

R = TypeVar(
    "R",
    bound=Person
    | Household
    | Organisation
    | Role
    | User
    | ApiToken
    | Transaction
    | Event
    | QuarantineEntry
    | FormDefinition
    | Segment
    | MessageTemplate
    | Campaign,
)
"""A record with an `id`."""

LIKE_ESCAPE = "\\"


def dump(record: Record) -> str:
    """The stored document: the same JSON as `record.to_json()`, serialised in one step."""
    return record.model_dump_json(by_alias=True)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (for `ESCAPE '\\'`) matching lower-cased `text` anywhere, literally."""
    escaped = (
        text.lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def reassign_person_sql(table: str) -> str:
    """Move rows (column and document alike) from one person to another, in one statement."""
    return (
        f"UPDATE {table} SET person_id = ?, doc = json_set(doc, '$.person_id', ?) "
        "WHERE person_id = ?"
    )


class DocTable(Generic[R]):
    table: ClassVar[str]
    model: type[R]
    columns: ClassVar[tuple[str, ...]] = ()
    """Indexed columns besides `id` and `doc`, filled by `indexed()` in this order."""

    def __init__(self, db: Database) -> None:
        self._db = db
        names = ("id", *self.columns, "doc")
        self._insert_sql = (
            f"INSERT INTO {self.table} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        assignments = ", ".join(f"{name} = ?" for name in (*self.columns, "doc"))
        self._update_sql = f"UPDATE {self.table} SET {assignments} WHERE id = ?"

    def indexed(self, record: R) -> tuple[Any, ...]:
        """The values of `columns` for `record`."""
        return ()

    def _row(self, record: R) -> tuple[Any, ...]:
        return (record.id, *self.indexed(record), dump(record))

    def _load(self, doc: str) -> R:
        return cast(R, self.model.model_validate_json(doc))

    async def insert(self, record: R) -> None:
        """Raises DuplicateKey when the id or another unique column is taken."""
        await self._db.run(self._insert_sql, self._row(record))

    async def get(self, record_id: str) -> R | None:
        doc = await self._db.value(f"SELECT doc FROM {self.table} WHERE id = ?", (record_id,))
        return None if doc is None else self._load(doc)

    async def replace(self, record: R) -> None:
        """Overwrite the stored record with the same id; NotFound when there is none."""
        record_id, *rest = self._row(record)
        if not await self._db.run(self._update_sql, (*rest, record_id)):
            kind = self.model.__name__.lower()
            raise NotFound(f"no {kind} with id {record_id}", details={"id": record_id})

    async def _delete(self, record_id: str) -> bool:
        return bool(await self._db.run(f"DELETE FROM {self.table} WHERE id = ?", (record_id,)))

    async def _select(
        self,
        conditions: Sequence[str] = (),
        params: Params = (),
        *,
        limit: int | None = None,
        after_id: str | None = None,
    ) -> list[R]:
        """Records matching every condition, in id order, after `after_id`, at most `limit`."""
        where = list(conditions)
        values = list(params)
        if after_id is not None:
            where.append("id > ?")
            values.append(after_id)
        sql = f"SELECT doc FROM {self.table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            values.append(max(0, limit))
        return [self._load(doc) for (doc,) in await self._db.rows(sql, values)]

    async def _count(self, conditions: Sequence[str] = (), params: Params = ()) -> int:
        sql = f"SELECT count(*) FROM {self.table}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        return int(await self._db.value(sql, params))

    async def _reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        return await self._db.run(
            reassign_person_sql(self.table), (to_person_id, to_person_id, from_person_id)
        )

    async def reassign_ids(self, record_ids: Sequence[str], to_person_id: str) -> int:
        """Move the named rows to a person (an unmerge), a chunk of ids per statement."""
        moved = 0
        ids = list(record_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            moved += await self._db.run(
                f"UPDATE {self.table} SET person_id = ?, doc = json_set(doc, '$.person_id', ?) "
                f"WHERE id IN ({', '.join('?' for _ in chunk)})",
                (to_person_id, to_person_id, *chunk))
        return moved

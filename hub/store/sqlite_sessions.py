"""SQLite repositories for server-side staff sessions and password reset links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.staff_sessions import PasswordReset, StaffSession
from hub.store.sqlite_base import DocTable

V_STAFF_SESSIONS: tuple[str, ...] = (
    """CREATE TABLE staff_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX staff_sessions_user ON staff_sessions (user_id)",
    """CREATE TABLE password_resets (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX password_resets_user ON password_resets (user_id)",
)

_OPEN = "json_extract(doc, '$.ended_at') IS NULL"


class SqliteStaffSessions(DocTable[StaffSession]):  # type: ignore[type-var]
    table = "staff_sessions"
    model = StaffSession
    columns = ("user_id",)

    def indexed(self, record: StaffSession) -> tuple[Any, ...]:
        return (record.user_id,)

    async def touch(self, session_id: str, at: datetime) -> None:
        await self._db.run(
            f"UPDATE staff_sessions SET doc = json_set(doc, '$.last_seen_at', ?) "
            f"WHERE id = ? AND {_OPEN}", (iso(at), session_id))

    async def end(self, session_id: str, at: datetime) -> bool:
        return bool(await self._db.run(
            f"UPDATE staff_sessions SET doc = json_set(doc, '$.ended_at', ?) "
            f"WHERE id = ? AND {_OPEN}", (iso(at), session_id)))

    async def end_for_user(self, user_id: str, at: datetime, *, keep: str | None = None) -> int:
        return await self._db.run(
            f"UPDATE staff_sessions SET doc = json_set(doc, '$.ended_at', ?) "
            f"WHERE user_id = ? AND id != ? AND {_OPEN}", (iso(at), user_id, keep or ""))

    async def active_for_user(self, user_id: str, now: datetime, *,
                              limit: int = 50) -> list[StaffSession]:
        rows = await self._db.rows(
            f"SELECT doc FROM staff_sessions WHERE user_id = ? AND {_OPEN} "
            "AND json_extract(doc, '$.expires_at') > ? "
            "ORDER BY json_extract(doc, '$.last_seen_at') DESC, id LIMIT ?",
            (user_id, iso(now), max(0, limit)))
        return [self._load(doc) for (doc,) in rows]


class SqlitePasswordResets(DocTable[PasswordReset]):  # type: ignore[type-var]
    table = "password_resets"
    model = PasswordReset
    columns = ("token_hash", "user_id")

    def indexed(self, record: PasswordReset) -> tuple[Any, ...]:
        return (record.token_hash, record.user_id)

    async def get_by_hash(self, token_hash: str) -> PasswordReset | None:
        found = await self._select(["token_hash = ?"], [token_hash], limit=1)
        return found[0] if found else None

    async def use(self, token_hash: str, now: datetime) -> PasswordReset | None:
        rows = await self._db.rows(
            "UPDATE password_resets SET doc = json_set(doc, '$.used_at', ?) "
            "WHERE token_hash = ? AND json_extract(doc, '$.used_at') IS NULL "
            "AND json_extract(doc, '$.expires_at') > ? RETURNING doc",
            (iso(now), token_hash, iso(now)))
        return self._load(rows[0][0]) if rows else None

    async def cancel_for_user(self, user_id: str, now: datetime) -> int:
        return await self._db.run(
            "UPDATE password_resets SET doc = json_set(doc, '$.used_at', ?) "
            "WHERE user_id = ? AND json_extract(doc, '$.used_at') IS NULL", (iso(now), user_id))

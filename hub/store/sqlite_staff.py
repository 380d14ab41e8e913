"""SQLite repositories for staff accounts and API tokens."""

from __future__ import annotations

from typing import Any

from hub.domain.common import iso, utcnow
from hub.domain.staff import ApiToken, User
from hub.store.sqlite_base import DocTable


class SqliteUsers(DocTable[User]):
    """`email_lower` is UNIQUE: one account per address, whatever its case."""

    table = "users"
    model = User
    columns = ("email_lower",)

    def indexed(self, record: User) -> tuple[Any, ...]:
        return (record.email.lower(),)

    async def get_by_email(self, email: str) -> User | None:
        found = await self._select(["email_lower = ?"], [email.lower()], limit=1)
        return found[0] if found else None

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[User]:
        return await self._select(limit=limit, after_id=after_id)

    async def count(self) -> int:
        return await self._count()


class SqliteTokens(DocTable[ApiToken]):
    table = "tokens"
    model = ApiToken
    columns = ("token_hash",)

    def indexed(self, record: ApiToken) -> tuple[Any, ...]:
        return (record.token_hash,)

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        found = await self._select(["token_hash = ?"], [token_hash], limit=1)
        return found[0] if found else None

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[ApiToken]:
        return await self._select(limit=limit, after_id=after_id)

    async def revoke(self, token_id: str) -> bool:
        """Set `revoked_at` now; False when there is no such token or it was revoked before
        (the first revocation time is kept)."""
        changed = await self._db.run(
            "UPDATE tokens SET doc = json_set(doc, '$.revoked_at', ?) "
            "WHERE id = ? AND json_extract(doc, '$.revoked_at') IS NULL",
            (iso(utcnow()), token_id),
        )
        return bool(changed)

"""MongoDB repositories for server-side staff sessions and password reset links."""

from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING, ReturnDocument

from hub.domain.common import to_utc_ms
from hub.domain.staff_sessions import PasswordReset, StaffSession
from hub.store.mongo_base import RecordRepo


class MongoStaffSessionRepo(RecordRepo[StaffSession]):
    model = StaffSession

    async def insert(self, session: StaffSession) -> None:
        await self._insert(session)

    async def touch(self, session_id: str, at: datetime) -> None:
        await self._update_many({"_id": session_id, "ended_at": None},
                                {"$set": {"last_seen_at": to_utc_ms(at)}})

    async def end(self, session_id: str, at: datetime) -> bool:
        return await self._update_many({"_id": session_id, "ended_at": None},
                                       {"$set": {"ended_at": to_utc_ms(at)}}) == 1

    async def end_for_user(self, user_id: str, at: datetime, *, keep: str | None = None) -> int:
        return await self._update_many(
            {"user_id": user_id, "ended_at": None, "_id": {"$ne": keep or ""}},
            {"$set": {"ended_at": to_utc_ms(at)}})

    async def active_for_user(self, user_id: str, now: datetime, *,
                              limit: int = 50) -> list[StaffSession]:
        if limit < 1:
            return []
        return await self._records(
            {"user_id": user_id, "ended_at": None, "expires_at": {"$gt": to_utc_ms(now)}},
            sort=[("last_seen_at", DESCENDING), ("_id", 1)], limit=limit)


class MongoPasswordResetRepo(RecordRepo[PasswordReset]):
    model = PasswordReset

    async def insert(self, reset: PasswordReset) -> None:
        await self._insert(reset)

    async def get_by_hash(self, token_hash: str) -> PasswordReset | None:
        return await self._record({"token_hash": token_hash})

    async def use(self, token_hash: str, now: datetime) -> PasswordReset | None:
        with self._errors():
            doc = await self._c.find_one_and_update(
                {"token_hash": token_hash, "used_at": None,
                 "expires_at": {"$gt": to_utc_ms(now)}},
                {"$set": {"used_at": to_utc_ms(now)}}, return_document=ReturnDocument.AFTER)
        return None if doc is None else self._from_doc(doc)

    async def cancel_for_user(self, user_id: str, now: datetime) -> int:
        return await self._update_many({"user_id": user_id, "used_at": None},
                                       {"$set": {"used_at": to_utc_ms(now)}})

"""MongoDB repositories for conversations, teams, labels and canned responses (issue 13).

A conversation document carries two derived fields besides the record: `active_key` (the
person's id while unresolved, under a unique partial index) and `sla_sort` (the SLA due
time, or a far date when no clock runs). `update` is one `replace_one` conditional on the
stored `version`: compare and set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from hub.domain.conversations import (
    CannedResponse,
    Conversation,
    ConversationQuery,
    CsatRule,
    Label,
    SortKey,
    Team,
)
from hub.store.mongo_base import CrudRepo, Doc, RecordRepo


def _query(query: ConversationQuery) -> Doc:
    match: Doc = {}
    if query.statuses:
        match["status"] = {"$in": list(query.statuses)}
    if query.unassigned:
        match["assignee_id"] = None
    elif query.assignee_id is not None:
        match["assignee_id"] = query.assignee_id
    if query.team_id is not None:
        match["team_id"] = query.team_id
    if query.person_id is not None:
        match["person_id"] = query.person_id
    if query.breached_at is not None:
        match["sla_sort"] = {"$lte": query.breached_at}
    if query.label is not None:
        match["labels"] = query.label
    if query.channel is not None:
        match["channels"] = query.channel
    if query.mentioned_id is not None:
        match["mentioned_ids"] = query.mentioned_id
    return match


class MongoConversationRepo(RecordRepo[Conversation]):
    model = Conversation

    def _to_doc(self, record: Conversation) -> Doc:
        doc = super()._to_doc(record)
        doc["active_key"] = record.active_key
        doc["sla_sort"] = record.sla_sort
        return doc

    def _from_doc(self, doc: Doc) -> Conversation:
        doc.pop("active_key", None)
        doc.pop("sla_sort", None)
        return super()._from_doc(doc)

    async def insert(self, conversation: Conversation) -> None:
        await self._insert(conversation)

    async def update(self, conversation: Conversation, *, expected_version: int) -> bool:
        with self._errors():
            result = await self._c.replace_one(
                {"_id": conversation.id, "version": expected_version}, self._to_doc(conversation))
        return result.matched_count == 1

    async def active_for_person(self, person_id: str) -> Conversation | None:
        return await self._record({"active_key": person_id})

    async def with_thread(self, person_id: str, thread_id: str) -> Conversation | None:
        found = await self._records({"person_id": person_id, "thread_ids": thread_id},
                                    sort=[("last_event_at", DESCENDING)], limit=1)
        return found[0] if found else None

    async def with_event(self, person_id: str, event_id: str) -> Conversation | None:
        return await self._record({"person_id": person_id, "event_ids": event_id})

    async def for_person(self, person_id: str, *, limit: int) -> list[Conversation]:
        if limit < 1:
            return []
        return await self._records(
            {"person_id": person_id},
            sort=[("last_event_at", DESCENDING), ("_id", DESCENDING)], limit=limit)

    async def page(self, query: ConversationQuery, *, sort: SortKey, limit: int,
                   after: tuple[datetime, str] | None = None) -> list[Conversation]:
        if limit < 1:
            return []
        match = _query(query)
        field = "sla_sort" if sort == "sla" else "last_event_at"
        descending = sort == "newest"
        if after is not None:
            op = "$lt" if descending else "$gt"
            keyset: Any = {"$or": [{field: {op: after[0]}},
                                   {field: after[0], "_id": {op: after[1]}}]}
            match = {"$and": [match, keyset]} if match else keyset
        direction = DESCENDING if descending else ASCENDING
        return await self._records(match, sort=[(field, direction), ("_id", direction)],
                                   limit=limit)

    async def count(self, query: ConversationQuery) -> int:
        return await self._count(_query(query))

    async def wake_snoozed(self, now: datetime) -> int:
        woken = 0
        for held in await self._records({"status": "snoozed", "snoozed_until": {"$lte": now}}):
            awake = held.model_copy(update={"status": "open", "snoozed_until": None,
                                            "version": held.version + 1, "updated_at": now})
            woken += await self.update(awake, expected_version=held.version)
        return woken

    async def stamp(self) -> str:
        docs = await self._find_docs({}, sort=[("updated_at", DESCENDING)], limit=1)
        return docs[0]["updated_at"].isoformat() if docs else ""


class MongoTeamRepo(CrudRepo[Team]):
    model = Team

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Team]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoLabelRepo(CrudRepo[Label]):
    model = Label

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Label]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoCannedResponseRepo(CrudRepo[CannedResponse]):
    model = CannedResponse

    async def find(self, *, limit: int = 50, after_id: str | None = None
                   ) -> list[CannedResponse]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoCsatRuleRepo(CrudRepo[CsatRule]):
    model = CsatRule

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[CsatRule]:
        return await self._page({}, limit=limit, after_id=after_id)

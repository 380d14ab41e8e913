"""SQLite repositories for surveys, their personal tokens, responses, and event triggers
(tables from migration 4). Results per segment join the responses to `persons p` and reuse
the segment compiler, so the database does the counting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.surveys import (
    Survey,
    SurveyResponse,
    SurveyToken,
    TriggerFiring,
    TriggerRule,
)
from hub.ports import ResponseFilter
from hub.store.sqlite_base import DocTable, dump
from hub.store.sqlite_db import Database
from hub.store.sqlite_segments import compile_predicate


class SqliteSurveys(DocTable[Survey]):  # type: ignore[type-var]
    table = "surveys"
    model = Survey

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Survey]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteSurveyTokens:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def issue(self, token: SurveyToken) -> SurveyToken:
        async with self._db.transaction() as session:
            await session.run(
                "INSERT INTO survey_tokens (token, survey_id, person_id, send_key, doc) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (token.token, token.survey_id, token.person_id, token.send_key, dump(token)))
            doc = await session.value(
                "SELECT doc FROM survey_tokens WHERE survey_id = ? AND person_id = ? "
                "AND send_key = ?", (token.survey_id, token.person_id, token.send_key))
        return SurveyToken.model_validate_json(doc)

    async def get(self, token: str) -> SurveyToken | None:
        doc = await self._db.value("SELECT doc FROM survey_tokens WHERE token = ?", (token,))
        return None if doc is None else SurveyToken.model_validate_json(doc)


def _filter(which: ResponseFilter) -> tuple[str, list[Any]]:
    where = ["r.survey_id = ?"]
    params: list[Any] = [which.survey_id]
    if which.channel is not None:
        where.append("r.channel = ?")
        params.append(which.channel)
    if which.campaign_id is not None:
        where.append("r.campaign_id = ?")
        params.append(which.campaign_id)
    if which.start is not None:
        where.append("r.answered_at >= ?")
        params.append(iso(which.start))
    if which.end is not None:
        where.append("r.answered_at < ?")
        params.append(iso(which.end))
    join = ""
    if which.predicate is not None:
        condition, more = compile_predicate(which.predicate)
        join = " JOIN persons p ON p.id = r.person_id AND p.active = 1"
        where.append(condition)
        params += more
    return f"FROM survey_responses r{join} WHERE " + " AND ".join(where), params


class SqliteSurveyResponses:
    COLUMNS = ("id, key, survey_id, person_id, campaign_id, channel, score, has_comment, "
               "answered_at, doc")

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_by_key(self, key: str) -> SurveyResponse | None:
        doc = await self._db.value("SELECT doc FROM survey_responses WHERE key = ?", (key,))
        return None if doc is None else SurveyResponse.model_validate_json(doc)

    async def put(self, response: SurveyResponse) -> None:
        r = response
        await self._db.run(
            f"INSERT INTO survey_responses ({self.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, score = excluded.score,"
            " has_comment = excluded.has_comment, answered_at = excluded.answered_at, "
            "doc = json_set(excluded.doc, '$.id', survey_responses.id)",
            (r.id, r.key, r.survey_id, r.person_id, r.campaign_id, r.channel, r.score,
             int(bool(r.comment)), iso(r.answered_at), dump(r)))

    async def anonymise_person(self, person_id: str) -> int:
        return await self._db.run(
            "UPDATE survey_responses SET person_id = 'erased', has_comment = 0, "
            "key = 'erased:' || id, doc = json_set(doc, '$.person_id', 'erased', "
            "'$.comment', NULL, '$.key', 'erased:' || id) WHERE person_id = ?", (person_id,))

    async def distribution(self, which: ResponseFilter) -> dict[str, dict[int, int]]:
        body, params = _filter(which)
        rows = await self._db.rows(
            f"SELECT r.channel, r.score, count(*) {body} GROUP BY r.channel, r.score", params)
        found: dict[str, dict[int, int]] = {}
        for channel, score, n in rows:
            found.setdefault(channel, {})[int(score)] = int(n)
        return found

    async def with_comments(self, which: ResponseFilter, *, limit: int) -> list[SurveyResponse]:
        body, params = _filter(which)
        rows = await self._db.rows(
            f"SELECT r.doc {body} AND r.has_comment = 1 ORDER BY r.answered_at DESC, r.id DESC "
            "LIMIT ?", [*params, max(0, limit)])
        return [SurveyResponse.model_validate_json(doc) for (doc,) in rows]

    async def count_for_campaign(self, campaign_id: str) -> int:
        return int(await self._db.value(
            "SELECT count(*) FROM survey_responses WHERE campaign_id = ?", (campaign_id,)))


class SqliteTriggerRules(DocTable[TriggerRule]):  # type: ignore[type-var]
    table = "trigger_rules"
    model = TriggerRule

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[TriggerRule]:
        return await self._select(limit=limit, after_id=after_id)


class SqliteTriggerFirings(DocTable[TriggerFiring]):  # type: ignore[type-var]
    table = "trigger_firings"
    model = TriggerFiring
    columns = ("rule_id", "event_id", "person_id", "status", "due_at", "created_at")

    def indexed(self, record: TriggerFiring) -> tuple[Any, ...]:
        return (record.rule_id, record.event_id, record.person_id, record.status,
                iso(record.due_at), iso(record.created_at))

    async def due(self, now: datetime, *, limit: int) -> list[TriggerFiring]:
        rows = await self._db.rows(
            "SELECT doc FROM trigger_firings WHERE status = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?", (iso(now), max(0, limit)))
        return [self._load(doc) for (doc,) in rows]

    async def recent_for_person(
        self, rule_id: str, person_id: str, since: datetime, *, exclude_id: str
    ) -> bool:
        found = await self._db.value(
            "SELECT 1 FROM trigger_firings WHERE rule_id = ? AND person_id = ? "
            "AND created_at >= ? AND status IN ('pending', 'sent') AND id != ? LIMIT 1",
            (rule_id, person_id, iso(since), exclude_id))
        return found is not None

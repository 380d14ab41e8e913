"""SQLite analytics (migration 4): revenue per party, call and message figures, response-time
inputs and consent changes, each one SQL aggregate over indexed columns.

Transactions gain columns copied from their document (occurred_at, amount_minor, household_id,
organisation_id) and covering indexes (party, occurred_at, amount_minor), so a period's revenue
per party is read from an index, never from the JSON documents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.domain.analytics import (
    ASKING_CHANNELS,
    MESSAGE_CHANNELS,
    CallFigures,
    ContactMoment,
    KpiFigures,
    Level,
    PartyRevenue,
    PyramidFigures,
    ResponseWaits,
)
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.common import iso
from hub.store.sqlite_db import Database
from hub.store.sqlite_person_facts import TIER_COLUMN
from hub.store.sqlite_response_facts import FIRST_RESPONSES_SQL, UNANSWERED_SQL

V4_ANALYTICS_SURVEYS: tuple[str, ...] = (
    # plain columns (not generated ones: SQLite reads an index on a virtual column but still
    # visits the row), filled by SqliteTransactions on insert and backfilled here
    "ALTER TABLE transactions ADD COLUMN occurred_at TEXT",
    "ALTER TABLE transactions ADD COLUMN amount_minor INTEGER",
    "ALTER TABLE transactions ADD COLUMN household_id TEXT",
    "ALTER TABLE transactions ADD COLUMN organisation_id TEXT",
    """UPDATE transactions SET occurred_at = json_extract(doc, '$.occurred_at'),
        amount_minor = json_extract(doc, '$.amount_minor'),
        household_id = json_extract(doc, '$.household_id'),
        organisation_id = json_extract(doc, '$.organisation_id')""",
    """CREATE INDEX transactions_person_period
        ON transactions (person_id, occurred_at, amount_minor) WHERE person_id IS NOT NULL""",
    """CREATE INDEX transactions_organisation_period
        ON transactions (organisation_id, occurred_at, amount_minor)
        WHERE organisation_id IS NOT NULL""",
    # a period's revenue per person or household is read from this index alone; the
    # household of a person's purchase from persons_household_of
    """CREATE INDEX transactions_period
        ON transactions (occurred_at, person_id, amount_minor, household_id)""",
    "CREATE INDEX persons_household_of ON persons (id, household_id)",
    "CREATE INDEX events_channel_time ON events (channel, occurred_at, direction)",
    "CREATE TABLE surveys (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    """CREATE TABLE survey_tokens (
        token TEXT PRIMARY KEY,
        survey_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        send_key TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (survey_id, person_id, send_key)
    )""",
    """CREATE TABLE survey_responses (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        survey_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        campaign_id TEXT,
        channel TEXT NOT NULL,
        score INTEGER NOT NULL,
        has_comment INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX survey_responses_survey ON survey_responses (survey_id, answered_at)",
    "CREATE INDEX survey_responses_campaign ON survey_responses (campaign_id)",
    "CREATE TABLE trigger_rules (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    """CREATE TABLE trigger_firings (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (rule_id, event_id)
    )""",
    "CREATE INDEX trigger_firings_due ON trigger_firings (status, due_at)",
    "CREATE INDEX trigger_firings_person ON trigger_firings (rule_id, person_id, created_at)",
)

def _sql_list(values: tuple[str, ...]) -> str:
    """A constant list for `IN`: our own channel names, never client input."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


_MESSAGE_CHANNELS = _sql_list(MESSAGE_CHANNELS)
_PARTY_SQL: dict[str, str] = {
    # the (person, time, amount) index streams the GROUP BY in person order: no temporary
    # b-tree to group half a million rows, which costs more than reading the whole index
    "person": "SELECT person_id AS party, amount_minor AS amount, occurred_at AS at "
              "FROM transactions INDEXED BY transactions_person_period "
              "WHERE person_id IS NOT NULL{window}",
    "household": "SELECT coalesce(t.household_id, p.household_id) AS party, t.amount_minor "
                 "AS amount, t.occurred_at AS at FROM transactions t "
                 "LEFT JOIN persons p ON p.id = t.person_id WHERE 1{window}",
    "organisation": "SELECT organisation_id AS party, amount_minor AS amount, occurred_at AS at "
                    "FROM transactions WHERE organisation_id IS NOT NULL{window}",
}
_TIER_TABLE = {"person": "persons", "household": "households", "organisation": "organisations"}


def _window(column: str, start: datetime | None, end: datetime | None,
            params: list[Any]) -> str:
    sql = ""
    if start is not None:
        sql += f" AND {column} >= ?"
        params.append(iso(start))
    if end is not None:
        sql += f" AND {column} < ?"
        params.append(iso(end))
    return sql


_EPOCH_MS = "CAST(round((julianday(occurred_at) - 2440587.5) * 86400000) AS INTEGER)"
"""Epoch milliseconds of a stored ISO time, in SQL (parsing it per row in Python was most of
the response-time figure); exact: julianday's error is microseconds."""


def _contact_moments_sql() -> str:
    inbound = f"channel IN {_sql_list(ASKING_CHANNELS)} AND direction = 'inbound'"
    answer = (f"(channel IN {_sql_list(SENDABLE_CHANNELS)} AND direction = 'outbound' "
              "AND campaign_id IS NULL) OR channel = 'call'")
    return (
        # events_person_direction holds every column read here (campaign_id included): the
        # documents are not visited
        f"SELECT person_id, {_EPOCH_MS}, {inbound} FROM events "
        "INDEXED BY events_person_direction WHERE person_id IN ("
        f"SELECT person_id FROM events WHERE {inbound} AND occurred_at >= ? "
        "AND occurred_at < ? AND person_id IS NOT NULL) "
        f"AND occurred_at >= ? AND (({inbound}) OR {answer}) "
        # at one instant the question before the answer (sqlite_response_facts)
        "ORDER BY person_id, occurred_at, 3 DESC"
    )


CONTACT_MOMENTS_SQL = _contact_moments_sql()
"""The response-time walk's input (parameters: start, end, start): each person who asked in
the period, their inbound messages and staff answers since the start, in time order."""
CONSENT_SQL = (
    "SELECT json_extract(doc, '$.data.consent.channel') AS ch, "
    "json_extract(doc, '$.data.consent.status') AS st, count(*) FROM events "
    "WHERE channel = 'system' AND occurred_at >= ? AND occurred_at < ? "
    "AND ch IS NOT NULL GROUP BY ch, st")
"""Consent changes in a period per channel and status (parameters: start, end)."""
CALL_TOTALS_SQL = (
    # the copies of each call's figures in its own index (sqlite_call_facts): no document
    # is parsed
    "SELECT count(*), sum(call_duration_s), count(call_duration_s), sum(call_wait_s), "
    "count(call_wait_s) FROM events INDEXED BY events_call_figures "
    "WHERE channel = 'call' AND occurred_at >= ? AND occurred_at < ?")
"""Calls in a period: count, duration total and count, wait total and count (parameters:
start, end)."""
CALLS_PER_AGENT_SQL = (
    # one probe of the (agent, time) index for each agent there is, then a count of that
    # agent's range of the period: grouping the period's calls by agent sorted them all,
    # three times the cost of reading them
    "WITH RECURSIVE agents (agent) AS ("
    "SELECT min(call_agent) FROM events INDEXED BY events_call_agents WHERE channel = 'call' "
    "UNION ALL SELECT (SELECT min(call_agent) FROM events INDEXED BY events_call_agents "
    "WHERE channel = 'call' AND call_agent > agent) FROM agents WHERE agent IS NOT NULL) "
    "SELECT agent, (SELECT count(*) FROM events INDEXED BY events_call_agents "
    "WHERE channel = 'call' AND call_agent = agent AND occurred_at >= ?1 AND occurred_at < ?2) "
    "FROM agents WHERE agent IS NOT NULL")
"""Calls in a period per agent, for every agent that ever took a call, by agent (parameters:
start, end)."""
MESSAGES_SQL = (
    f"SELECT channel, direction, count(*) FROM events WHERE channel IN {_MESSAGE_CHANNELS}"
    " AND occurred_at >= ? AND occurred_at < ? GROUP BY channel, direction")
"""Message events in a period per channel and direction (parameters: start, end)."""


def _call_figures(conn: sqlite3.Connection, window: tuple[str, str]) -> CallFigures:
    count, duration, n_duration, wait, n_wait = conn.execute(CALL_TOTALS_SQL, window).fetchone()
    return CallFigures(
        count=int(count), duration_total_s=int(duration or 0), duration_count=int(n_duration),
        wait_total_s=int(wait or 0), wait_count=int(n_wait),
        per_agent={str(agent): int(n)
                   for agent, n in conn.execute(CALLS_PER_AGENT_SQL, window) if n})


def _first_responses(conn: sqlite3.Connection, window: tuple[str, str]) -> ResponseWaits:
    """The period's waiting stretches from the facts on the question rows
    (`sqlite_response_facts`): the answered ones' waits, smallest first, and how many wait."""
    waits = [wait for (wait,) in conn.execute(FIRST_RESPONSES_SQL, window)]
    waits.sort()
    return ResponseWaits(waits, int(conn.execute(UNANSWERED_SQL, window).fetchone()[0]))


def _nested(rows: list[tuple[Any, ...]]) -> dict[str, dict[str, int]]:
    """(outer, inner, count) rows as {outer: {inner: count}}."""
    found: dict[str, dict[str, int]] = {}
    for outer, inner, n in rows:
        found.setdefault(outer, {})[inner] = int(n)
    return found


class SqliteAnalytics:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _parties(self, level: Level, start: datetime | None, end: datetime | None,
                 params: list[Any]) -> str:
        column = "t.occurred_at" if level == "household" else "occurred_at"
        return _PARTY_SQL[level].format(window=_window(column, start, end, params))

    async def revenue_by_party(
        self, level: Level, start: datetime | None, end: datetime | None
    ) -> list[PartyRevenue]:
        params: list[Any] = []
        inner = self._parties(level, start, end, params)
        sql = (f"SELECT party, sum(amount) AS revenue FROM ({inner}) WHERE party IS NOT NULL "
               "GROUP BY party HAVING revenue > 0 ORDER BY revenue DESC, party")
        return [PartyRevenue(party, int(revenue))
                for party, revenue in await self._db.rows(sql, params)]

    async def lapsed_parties(self, level: Level, start: datetime, end: datetime) -> list[str]:
        """One pass over the parties' transactions before `end`."""
        params: list[Any] = []
        inner = self._parties(level, None, end, params)
        params += [iso(start), iso(start), iso(end)]
        sql = (f"SELECT party FROM ({inner}) WHERE party IS NOT NULL GROUP BY party "
               "HAVING sum(CASE WHEN at < ? THEN amount END) > 0 "
               "AND coalesce(sum(CASE WHEN at >= ? AND at < ? THEN amount END), 0) <= 0 "
               "ORDER BY party")
        return [party for (party,) in await self._db.rows(sql, params)]

    @staticmethod
    def _party_count_sql(level: Level) -> tuple[str, tuple[Any, ...]]:
        if level == "person":
            return "SELECT count(*) FROM persons WHERE active = 1", ()
        return f"SELECT count(*) FROM {_TIER_TABLE[level]}", ()

    async def party_count(self, level: Level) -> int:
        return int(await self._db.value(*self._party_count_sql(level)))

    async def set_tiers(self, level: Level, tiers: Mapping[str, str], *, default: str) -> int:
        table = _TIER_TABLE[level]
        active = " WHERE active = 1" if level == "person" else ""
        # persons: also the column segment counts read (sqlite_person_facts)
        column = f"{TIER_COLUMN} = ?1, " if level == "person" else ""
        setter = f"UPDATE {table} SET {column}doc = json_set(doc, '$.attributes.pyramid_tier', ?1)"
        async with self._db.transaction() as session:
            written = await session.run(setter + active, (default,))
            await session.run_many(setter + " WHERE id = ?2",
                                   [(tier, party) for party, tier in tiers.items()
                                    if tier != default])
        return written

    async def call_figures(self, start: datetime, end: datetime) -> CallFigures:
        window = (iso(start), iso(end))
        return await self._db.reading(lambda conn: _call_figures(conn, window))

    async def message_counts(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        return _nested(await self._db.rows(MESSAGES_SQL, (iso(start), iso(end))))

    async def contact_moments(self, start: datetime, end: datetime) -> list[ContactMoment]:
        rows = await self._db.rows(CONTACT_MOMENTS_SQL, (iso(start), iso(end), iso(start)))
        return [ContactMoment(person, at_ms, bool(is_in)) for person, at_ms, is_in in rows]

    async def consent_changes(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        return _nested(await self._db.rows(CONSENT_SQL, (iso(start), iso(end))))

    async def pyramid_figures(self, level: Level, start: datetime, end: datetime
                              ) -> PyramidFigures:
        # one pass over the parties' transactions before `end` gives both the period's
        # revenue and whether they bought before it (the lapsed): the pyramid reads the
        # index once, not once for the customers and once more for the inactive
        params: list[Any] = [iso(start), iso(start)]
        inner = self._parties(level, None, end, params)
        sums = ("SELECT sum(CASE WHEN at >= ? THEN amount END) AS r, "
                f"sum(CASE WHEN at < ? THEN amount END) AS b FROM ({inner}) "
                "WHERE party IS NOT NULL GROUP BY party HAVING r > 0 OR b > 0")
        count_sql, count_params = self._party_count_sql(level)

        def work(conn: sqlite3.Connection) -> PyramidFigures:
            revenues: list[int] = []
            lapsed = 0
            for revenue, before in conn.execute(sums, params):
                if revenue is not None and revenue > 0:
                    revenues.append(int(revenue))
                elif before > 0:
                    lapsed += 1
            revenues.sort(reverse=True)
            parties = int(conn.execute(count_sql, count_params).fetchone()[0])
            return PyramidFigures(revenues, lapsed, parties)

        return await self._db.reading(work)

    async def kpi_figures(self, start: datetime, end: datetime) -> KpiFigures:
        window = (iso(start), iso(end))

        def work(conn: sqlite3.Connection) -> KpiFigures:
            return KpiFigures(
                calls=_call_figures(conn, window),
                messages=_nested(conn.execute(MESSAGES_SQL, window).fetchall()),
                responses=_first_responses(conn, window),
                consent_changes=_nested(conn.execute(CONSENT_SQL, window).fetchall()))

        return await self._db.reading(work)

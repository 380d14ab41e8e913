"""The SQLite schema as an ordered list of migrations, tracked in `PRAGMA user_version`.

Each table keeps the record as a JSON document (`doc`, the record's `to_json()` form with
fixed-width ISO times that sort as text) plus the columns that queries filter or sort on.

Migration N (1-based) brings a file from user_version N-1 to N, in one transaction. A new
release appends to MIGRATIONS, never edits a released entry, so it can open every older
file; a file newer than the code is refused rather than misread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hub.errors import ConfigError
from hub.store.sqlite_analytics import V4_ANALYTICS_SURVEYS
from hub.store.sqlite_call_facts import CALL_AGENTS, CALL_FACTS
from hub.store.sqlite_campaigns import V3_CAMPAIGNS
from hub.store.sqlite_conversations import V_CONVERSATIONS
from hub.store.sqlite_db import Database, Session
from hub.store.sqlite_events import V_EVENT_SHAPE
from hub.store.sqlite_flagged import V_FLAGGED_EVENTS
from hub.store.sqlite_journeys import V_JOURNEYS
from hub.store.sqlite_person_facts import PERSON_FACTS
from hub.store.sqlite_response_facts import RESPONSE_FACTS
from hub.store.sqlite_search import migrate_search
from hub.store.sqlite_segment_columns import SEGMENT_COLUMNS
from hub.store.sqlite_segments import SEGMENT_INDEXES
from hub.store.sqlite_sessions import V_STAFF_SESSIONS
from hub.store.sqlite_trust import TRUST_TABLES
from hub.store.sqlite_webhooks import V_WEBHOOK_OUTCOMES, V_WEBHOOKS

Migration = Sequence[str] | Callable[[Session], Awaitable[None]]
"""SQL statements run in order, or a coroutine function for changes SQL alone cannot make."""

V1_INITIAL: tuple[str, ...] = (
    """CREATE TABLE persons (
        id TEXT PRIMARY KEY,
        name_lower TEXT NOT NULL,
        household_id TEXT,
        active INTEGER NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX persons_active ON persons (active, id)",
    "CREATE INDEX persons_household ON persons (household_id, active, id)",
    """CREATE TABLE households (
        id TEXT PRIMARY KEY,
        name_lower TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE organisations (
        id TEXT PRIMARY KEY,
        name_lower TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE roles (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL,
        organisation_id TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX roles_person ON roles (person_id, id)",
    "CREATE INDEX roles_organisation ON roles (organisation_id, id)",
    """CREATE TABLE identities (
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        person_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (kind, value)
    )""",
    "CREATE INDEX identities_person ON identities (person_id)",
    """CREATE TABLE events (
        id TEXT PRIMARY KEY,
        person_id TEXT,
        organisation_id TEXT,
        channel TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        external_id TEXT,
        doc TEXT NOT NULL
    )""",
    """CREATE UNIQUE INDEX events_channel_external_id ON events (channel, external_id)
        WHERE external_id IS NOT NULL""",
    """CREATE INDEX events_person_timeline ON events (person_id, occurred_at DESC, id DESC)
        WHERE person_id IS NOT NULL""",
    """CREATE INDEX events_organisation_timeline
        ON events (organisation_id, occurred_at DESC, id DESC)
        WHERE organisation_id IS NOT NULL""",
    """CREATE TABLE suppressions (
        hash TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email_lower TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE transactions (
        id TEXT PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        person_id TEXT,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX transactions_person ON transactions (person_id) WHERE person_id IS NOT NULL",
    """CREATE TABLE channel_state (
        key TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    )""",
)

V2_QUARANTINE_FORMS_THROTTLE: tuple[str, ...] = (
    # events.direction, so "the last outbound message to this person" is one index probe
    "ALTER TABLE events ADD COLUMN direction TEXT",
    "UPDATE events SET direction = json_extract(doc, '$.direction')",
    """CREATE INDEX events_person_direction
        ON events (person_id, channel, direction, occurred_at DESC, id DESC)
        WHERE person_id IS NOT NULL""",
    """CREATE TABLE quarantine (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX quarantine_status ON quarantine (status, id)",
    """CREATE TABLE forms (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
    )""",
    """CREATE TABLE throttle (
        key TEXT PRIMARY KEY,
        until TEXT NOT NULL
    )""",
)

V5_QUARANTINE_SHA256: tuple[str, ...] = (
    # the same raw mail is held once: a column for its sha256, duplicates already held merged
    # (the entry a retry resolved is kept, else the oldest), then a unique index
    "ALTER TABLE quarantine ADD COLUMN sha256 TEXT",
    "UPDATE quarantine SET sha256 = json_extract(doc, '$.sha256')",
    """DELETE FROM quarantine WHERE id NOT IN (
        SELECT (SELECT kept.id FROM quarantine AS kept WHERE kept.sha256 = held.sha256
                ORDER BY kept.status = 'resolved' DESC, kept.id LIMIT 1)
        FROM (SELECT DISTINCT sha256 FROM quarantine) AS held)""",
    "CREATE UNIQUE INDEX quarantine_sha256 ON quarantine (sha256)",
)

MIGRATIONS: tuple[Migration, ...] = (
    V1_INITIAL, V2_QUARANTINE_FORMS_THROTTLE, V3_CAMPAIGNS, V4_ANALYTICS_SURVEYS,
    V5_QUARANTINE_SHA256, migrate_search, V_JOURNEYS, V_CONVERSATIONS, TRUST_TABLES,
    V_STAFF_SESSIONS, V_WEBHOOKS, SEGMENT_INDEXES, V_FLAGGED_EVENTS, V_WEBHOOK_OUTCOMES,
    V_EVENT_SHAPE, PERSON_FACTS, CALL_FACTS, SEGMENT_COLUMNS, RESPONSE_FACTS, CALL_AGENTS)
"""Append only. Index i holds the migration to schema version i + 1."""


async def _apply(migration: Migration, session: Session) -> None:
    if callable(migration):
        await migration(session)
        return
    for statement in migration:
        await session.run(statement)


async def migrate(db: Database, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the file up to the newest schema version; returns that version. Idempotent.

    Each step re-reads the version under the write lock, so two processes opening the
    same new file at once apply every migration exactly once.
    """
    latest = len(migrations)
    current = int(await db.value("PRAGMA user_version"))
    if current > latest:
        raise ConfigError(
            "HUB_DATABASE_URL",
            f"the SQLite file {db.location} has schema version {current}, but this release "
            f"of hub only knows versions up to {latest}; run the newer hub release that "
            "wrote it, or point HUB_DATABASE_URL at another file",
        )
    for version in range(current + 1, latest + 1):
        async with db.transaction() as session:
            if int(await session.value("PRAGMA user_version")) >= version:
                continue
            await _apply(migrations[version - 1], session)
            await session.run(f"PRAGMA user_version = {version:d}")
    return latest

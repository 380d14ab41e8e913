"""One migration (appended to `sqlite_schema.MIGRATIONS`): per-person facts that segment counts
read from an index instead of every person's document or every contact event (issue 20).

`person_facts` holds, per person with at least one contact event, the newest contact (a
message, call, form or survey event, either way) and the newest inbound contact. Triggers on
`events` keep it in the same statement as the event write, so every path that writes events
(one append, a batch, an import, a merge or unmerge moving events, any future one) keeps it
right without the store having to remember: an insert raises the person's facts when the event
is newer; moving an event (`person_id` changed) raises the new owner's and, when the moved
event was the old owner's newest, recomputes the old owner's from their remaining events (one
ordered index probe). Erasure blanks personal fields of events but keeps their channel,
direction and time, so it changes no fact; events are never deleted.

Persons gain `consent_<channel>` columns (the status, `unknown` without a record) and a
`pyramid_tier` column (`attributes.pyramid_tier` when it is text), written with every insert
and replace of a person (`SqlitePersons.indexed`) and by `set_tiers`, each indexed with
`active`: a count by consent or tier reads the index alone, and a filter that checks them per
person reads a column instead of parsing the document. They replace the expression indexes on
the JSON values of migration 12.

`events_person_direction` gains `campaign_id` as its last column, for the response-time KPI
(`SqliteAnalytics.contact_moments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel
from hub.domain.segments import CONTACT_CHANNELS

CONTACT_LIST = "(" + ", ".join(f"'{channel}'" for channel in CONTACT_CHANNELS) + ")"
"""Our own channel names as an SQL list, never client input."""

CONSENT_COLUMNS: dict[ConsentChannel, str] = {
    channel: f"consent_{channel}" for channel in CONSENT_CHANNELS}
"""The persons column holding each channel's consent status."""

TIER_COLUMN = "pyramid_tier"
TIER_PATH = ("attributes", "pyramid_tier")
"""The persons column holding `attributes.pyramid_tier` when it is text (NULL otherwise), as
`hub analytics refresh` stores it."""


def stored_tier(attributes: Mapping[str, Any]) -> str | None:
    """The tier column's value for a person's attributes."""
    tier = attributes.get(TIER_PATH[1])
    return tier if isinstance(tier, str) else None

_NEWER = "CASE WHEN excluded.{0} > coalesce({0}, '') THEN excluded.{0} ELSE {0} END"
_RAISE = (
    " ON CONFLICT (person_id) DO UPDATE SET"
    f" last_contact_at = {_NEWER.format('last_contact_at')},"
    f" last_inbound_at = {_NEWER.format('last_inbound_at')}"
    " WHERE excluded.last_contact_at > coalesce(last_contact_at, '')"
    " OR excluded.last_inbound_at > coalesce(last_inbound_at, '')"
)
"""Upsert tail: keep the newer of the stored and the new time (NULL: nothing yet); no write
when neither is newer (the common case of an old event imported late is a read only)."""


def _raise_for(row: str) -> str:
    """The upsert raising the facts of `row`'s person (NEW) with that one event."""
    return (
        "INSERT INTO person_facts (person_id, last_contact_at, last_inbound_at) "
        f"SELECT {row}.person_id, {row}.occurred_at, "
        f"CASE WHEN {row}.direction = 'inbound' THEN {row}.occurred_at END "
        f"WHERE {row}.person_id IS NOT NULL" + _RAISE + ";"
    )


# `+channel`, `+direction`: no IN seek into events_person_direction, whose DESC column makes
# SQLite 3.40 return wrong rows for an IN lookup; the max walks events_person_timeline
# (person_id, occurred_at DESC) newest first and stops at the first contact event
_NEWEST = ("(SELECT max(e.occurred_at) FROM events e WHERE e.person_id = OLD.person_id "
           f"AND +e.channel IN {CONTACT_LIST}{{extra}})")

PERSON_FACTS: tuple[str, ...] = (
    """CREATE TABLE person_facts (
        person_id TEXT PRIMARY KEY,
        last_contact_at TEXT,
        last_inbound_at TEXT
    ) WITHOUT ROWID""",
    f"""INSERT INTO person_facts (person_id, last_contact_at, last_inbound_at)
        SELECT person_id, max(occurred_at),
            max(CASE WHEN direction = 'inbound' THEN occurred_at END)
        FROM events WHERE person_id IS NOT NULL AND channel IN {CONTACT_LIST}
        GROUP BY person_id""",
    "CREATE INDEX person_facts_last_contact ON person_facts (last_contact_at)",
    """CREATE INDEX person_facts_last_inbound ON person_facts (last_inbound_at)
        WHERE last_inbound_at IS NOT NULL""",
    f"""CREATE TRIGGER events_person_facts_insert AFTER INSERT ON events
        WHEN NEW.person_id IS NOT NULL AND NEW.channel IN {CONTACT_LIST}
        BEGIN {_raise_for("NEW")} END""",
    f"""CREATE TRIGGER events_person_facts_move AFTER UPDATE OF person_id ON events
        WHEN OLD.person_id IS NOT NEW.person_id AND NEW.channel IN {CONTACT_LIST}
        BEGIN
            {_raise_for("NEW")}
            UPDATE person_facts SET
                last_contact_at = {_NEWEST.format(extra="")},
                last_inbound_at = {_NEWEST.format(extra=" AND +e.direction = 'inbound'")}
            WHERE person_id = OLD.person_id
                AND (last_contact_at = OLD.occurred_at OR last_inbound_at = OLD.occurred_at);
            DELETE FROM person_facts
                WHERE person_id = OLD.person_id AND last_contact_at IS NULL;
        END""",
    *(f"DROP INDEX IF EXISTS persons_consent_{channel}" for channel in CONSENT_CHANNELS),
    *(f"ALTER TABLE persons ADD COLUMN {column} TEXT NOT NULL DEFAULT 'unknown'"
      for column in CONSENT_COLUMNS.values()),
    "UPDATE persons SET " + ", ".join(
        f"{column} = coalesce(json_extract(doc, '$.consent.{channel}.status'), 'unknown')"
        for channel, column in CONSENT_COLUMNS.items()),
    # (status, active), not a partial index on active persons: its statistics then tell the
    # planner that one status of the active persons is fewer rows than all active persons
    *(f"CREATE INDEX persons_consent_{channel} ON persons ({column}, active)"
      for channel, column in CONSENT_COLUMNS.items()),
    "DROP INDEX IF EXISTS persons_pyramid_tier",
    f"ALTER TABLE persons ADD COLUMN {TIER_COLUMN} TEXT",
    f"""UPDATE persons SET {TIER_COLUMN} = json_extract(doc, '$.attributes.pyramid_tier')
        WHERE json_type(doc, '$.attributes.pyramid_tier') = 'text'""",
    f"CREATE INDEX persons_pyramid_tier ON persons ({TIER_COLUMN}, active)",
    # the response-time KPI walks each asking person's inbound messages and staff answers;
    # an answer is a non-campaign outbound event, and campaign_id (a virtual column) at the
    # end of this index spares a visit to each event's document: one index, one entry per
    # event as before, a little wider
    "DROP INDEX events_person_direction",
    """CREATE INDEX events_person_direction
        ON events (person_id, channel, direction, occurred_at DESC, id DESC, campaign_id)
        WHERE person_id IS NOT NULL""",
)

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

Persons gain `consent_<channel>` columns (the status, `unknown` without a record), written with
every insert and replace of a person (`SqlitePersons.indexed`), with partial indexes over the
active persons: a count by consent reads the index alone, no document is parsed. They replace
the expression indexes on the JSON status of migration 12.
"""

from __future__ import annotations

from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel
from hub.domain.segments import CONTACT_CHANNELS

CONTACT_LIST = "(" + ", ".join(f"'{channel}'" for channel in CONTACT_CHANNELS) + ")"
"""Our own channel names as an SQL list, never client input."""

CONSENT_COLUMNS: dict[ConsentChannel, str] = {
    channel: f"consent_{channel}" for channel in CONSENT_CHANNELS}
"""The persons column holding each channel's consent status."""

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
)

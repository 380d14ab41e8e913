"""One migration (appended to `sqlite_schema.MIGRATIONS`): the call figures of the KPIs read
from an index instead of every call's document (issue 20).

Events gain `call_agent`, `call_duration_s` and `call_wait_s`, copies of `call.agent`,
`call.duration_s` and `call.wait_s` on call events (NULL on every other event), and a partial
covering index of the call events by time holding them: a period's calls per agent, with
their duration and wait totals, is one range read of that index. Parsing each call's JSON
document was nearly all of the KPI page's call figures (SQLite 3.40 does not read an
expression index's values in place of the expression, so the copies are plain columns).

`SqliteEvents` writes the copies with the row (`call_copies`); triggers keep them right in the
statement that writes the event whichever path writes it: after an insert of a call event
whose copies do not match its document, and after a rewrite of a call event's document that
changes its `call` object (no write when it does not: status changes and erasure keep the
call figures). Plain columns, not generated ones: SQLite reads an index on a virtual column but
still visits the row.
"""

from __future__ import annotations

from typing import Any

from hub.domain.events import Event

CALL_COLUMNS = ("call_agent", "call_duration_s", "call_wait_s")
"""The copies, in the order `call_copies` gives them."""


def call_copies(event: Event) -> tuple[Any, Any, Any]:
    """The copies' values for an event as `SqliteEvents` writes it (NULL unless a call)."""
    if event.channel != "call" or event.call is None:
        return None, None, None
    return event.call.agent, event.call.duration_s, event.call.wait_s


_DIFFERS = " OR ".join(f"NEW.{column} IS NOT json_extract(NEW.doc, '$.call.{column[5:]}')"
                       for column in CALL_COLUMNS)
_COPY = ("UPDATE events SET call_agent = json_extract(NEW.doc, '$.call.agent'), "
         "call_duration_s = json_extract(NEW.doc, '$.call.duration_s'), "
         "call_wait_s = json_extract(NEW.doc, '$.call.wait_s') WHERE rowid = NEW.rowid;")

CALL_FACTS: tuple[str, ...] = (
    "ALTER TABLE events ADD COLUMN call_agent TEXT",
    "ALTER TABLE events ADD COLUMN call_duration_s INTEGER",
    "ALTER TABLE events ADD COLUMN call_wait_s INTEGER",
    """UPDATE events SET call_agent = json_extract(doc, '$.call.agent'),
        call_duration_s = json_extract(doc, '$.call.duration_s'),
        call_wait_s = json_extract(doc, '$.call.wait_s')
        WHERE channel = 'call'""",
    # channel leads although the index holds only calls: without it SQLite 3.40 visits each
    # row to check the index's WHERE instead of reading the index alone
    """CREATE INDEX events_call_figures
        ON events (channel, occurred_at, call_agent, call_duration_s, call_wait_s)
        WHERE channel = 'call'""",
    # `SqliteEvents` writes the copies with the row; this catches any insert that did not
    # (a check of three values, no second write of the row)
    f"""CREATE TRIGGER events_call_facts_insert AFTER INSERT ON events
        WHEN NEW.channel = 'call' AND ({_DIFFERS})
        BEGIN {_COPY} END""",
    f"""CREATE TRIGGER events_call_facts_update AFTER UPDATE OF doc ON events
        WHEN NEW.channel = 'call'
            AND json_extract(NEW.doc, '$.call') IS NOT json_extract(OLD.doc, '$.call')
        BEGIN {_COPY} END""",
)

CALL_AGENTS: tuple[str, ...] = (
    # the KPIs' calls per agent: a count of each agent's range of a period, found by one probe
    # per agent, instead of sorting the period's calls by agent
    """CREATE INDEX events_call_agents ON events (channel, call_agent, occurred_at)
        WHERE channel = 'call'""",
)
"""One migration (appended after `sqlite_response_facts.RESPONSE_FACTS`)."""

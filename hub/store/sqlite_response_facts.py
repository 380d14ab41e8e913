"""One migration (appended to `sqlite_schema.MIGRATIONS`): staff's first-response times of the
KPIs read from one index instead of walking every asking person's messages (issue 20).

Events gain three columns, maintained in the statement that writes the event:

- `contact_role`: 1 on a question (an inbound message on an asking channel), 2 on a staff
  answer (an outbound message outside campaigns, or a call), NULL on every other event and on
  events without a person; `SqliteEvents` writes it with the row (`contact_role`), a trigger
  on any insert without it;
- `answered_at`, on a question: the time of its person's next staff answer (NULL: none yet);
- `stretch_prev_at`, on a question: the time of its person's previous question when no answer
  came between them (NULL: the question opens a waiting stretch).

Order within a person: by time; at the same instant questions come before answers (an answer
at the very moment of a question answers it) and questions follow their id. A period's waiting
stretches are then the questions in the period whose `stretch_prev_at` is NULL or before the
period (the first question of a stretch in the period, as `hub.domain.analytics.
response_waits` walks them), each waiting until its `answered_at`: one range read of the
partial covering index `events_first_responses`.

The triggers keep the facts right whatever the order events arrive in (an import or a call log
written late is an insert into the middle of a person's history): a question takes its answer
and predecessor from two index probes and becomes the predecessor of the next question of its
stretch; an answer closes the questions before it that waited past it and makes the next
question open a stretch. Moving an event to another person (a merge, an unmerge), or a rewrite
that changes its time or role (`events.replace`), is its removal from the old place (the
inverse steps) and its insertion at the new one. Erasure blanks personal fields but keeps
channel, direction, time and campaign: it changes no fact; events are never deleted. The
migration backfills every person with window functions in one statement (12 s wall, 5 s CPU
for the 200,000 events of `bench/analytics.py`'s file on a loaded machine).
"""

from __future__ import annotations

from hub.domain.analytics import ASKING_CHANNELS
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.events import Event


def _sql_list(values: tuple[str, ...]) -> str:
    """A constant list for `IN`: our own channel names, never client input."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


QUESTION, ANSWER = 1, 2


def contact_role(event: Event) -> int | None:
    """The `contact_role` of an event as `SqliteEvents` writes it (`contact_role_sql`)."""
    if event.person_id is None:
        return None
    if event.direction == "inbound" and event.channel in ASKING_CHANNELS:
        return QUESTION
    if event.channel == "call" or (event.direction == "outbound"
                                   and event.channel in SENDABLE_CHANNELS
                                   and event.campaign_id is None):
        return ANSWER
    return None


def contact_role_sql(row: str) -> str:
    """The `contact_role` of an event row (`NEW`, `OLD` or a table alias), in SQL."""
    return (f"CASE WHEN {row}.person_id IS NULL THEN NULL "
            f"WHEN {row}.direction = 'inbound' AND {row}.channel IN {_sql_list(ASKING_CHANNELS)}"
            f" THEN {QUESTION} WHEN {row}.channel = 'call' OR ({row}.direction = 'outbound' "
            f"AND {row}.channel IN {_sql_list(SENDABLE_CHANNELS)} "
            f"AND {row}.campaign_id IS NULL) THEN {ANSWER} END")


def _next_answer(person: str, at: str) -> str:
    """The time of `person`'s first answer at or after `at`."""
    return (f"(SELECT min(a.occurred_at) FROM events a WHERE a.person_id = {person} "
            f"AND a.contact_role = {ANSWER} AND a.occurred_at >= {at})")


def _stretch_prev(person: str, at: str, event_id: str) -> str:
    """The time of `person`'s question just before (`at`, `event_id`) when it waits past `at`
    (no answer between them), else NULL."""
    return (f"(SELECT CASE WHEN p.answered_at IS NULL OR p.answered_at >= {at} "
            f"THEN p.occurred_at END FROM events p WHERE p.person_id = {person} "
            f"AND p.contact_role = {QUESTION} AND (p.occurred_at, p.id) < ({at}, {event_id}) "
            "ORDER BY p.occurred_at DESC, p.id DESC LIMIT 1)")


def _first_question_after(person: str, condition: str) -> str:
    """The rowid of `person`'s first question meeting `condition` (on alias n)."""
    return (f"(SELECT n.rowid FROM events n WHERE n.person_id = {person} "
            f"AND n.contact_role = {QUESTION} AND {condition} "
            "ORDER BY n.occurred_at, n.id LIMIT 1)")


def _question_added(row: str, guard: str = "1") -> str:
    """The statements adding question `row` (NEW) to its person's facts, whatever its place;
    each runs only when `guard` holds."""
    person, at = f"{row}.person_id", f"{row}.occurred_at"
    answered, prev = _next_answer(person, at), _stretch_prev(person, at, f"{row}.id")
    after = f"(n.occurred_at, n.id) > ({at}, {row}.id)"
    # no second write of the row when both facts are NULL: a new message of someone with no
    # open stretch, the common case
    return f"""
        UPDATE events SET answered_at = {answered}, stretch_prev_at = {prev}
            WHERE rowid = {row}.rowid AND {guard} AND (answered_at IS NOT NULL
                OR stretch_prev_at IS NOT NULL OR {answered} IS NOT NULL
                OR {prev} IS NOT NULL);
        UPDATE events SET stretch_prev_at = {at}
            WHERE rowid = {_first_question_after(person, after)} AND {guard}
            AND answered_at IS (SELECT answered_at FROM events WHERE rowid = {row}.rowid);"""


def _answer_added(row: str, guard: str = "1") -> str:
    """The statements adding answer `row` (NEW) to its person's facts, whatever its place;
    each runs only when `guard` holds."""
    person, at = f"{row}.person_id", f"{row}.occurred_at"
    return f"""
        UPDATE events SET answered_at = {at}
            WHERE person_id = {person} AND contact_role = {QUESTION} AND occurred_at <= {at}
            AND (answered_at IS NULL OR answered_at > {at}) AND {guard};
        UPDATE events SET stretch_prev_at = NULL
            WHERE rowid = {_first_question_after(person, f"n.occurred_at > {at}")}
            AND stretch_prev_at IS NOT NULL AND {guard};"""


def _marked(row: str) -> str:
    """The statements setting `row`'s (NEW) role and adding it to its person's facts."""
    role = contact_role_sql(row)
    return (f"UPDATE events SET contact_role = {role}, answered_at = NULL, "
            f"stretch_prev_at = NULL WHERE rowid = {row}.rowid;"
            + _question_added(row, f"{role} = {QUESTION}")
            + _answer_added(row, f"{role} = {ANSWER}"))


def _removed(row: str) -> str:
    """The statements taking event `row` (OLD, already moved away) out of its former person's
    facts."""
    person, at = f"{row}.person_id", f"{row}.occurred_at"
    after = f"(n.occurred_at, n.id) > ({at}, {row}.id)"
    return f"""
        UPDATE events SET stretch_prev_at = {row}.stretch_prev_at
            WHERE rowid = {_first_question_after(person, after)}
            AND answered_at IS {row}.answered_at AND {row}.contact_role = {QUESTION};
        UPDATE events SET answered_at = {_next_answer(person, at)}
            WHERE person_id = {person} AND contact_role = {QUESTION} AND occurred_at <= {at}
            AND answered_at = {at} AND {row}.contact_role = {ANSWER};
        UPDATE events
            SET stretch_prev_at = {_stretch_prev(person, "events.occurred_at", "events.id")}
            WHERE rowid = {_first_question_after(person, f"n.occurred_at > {at}")}
            AND stretch_prev_at IS NULL AND {row}.contact_role = {ANSWER};"""


_ORDER = "PARTITION BY person_id ORDER BY occurred_at, contact_role, id"
_BACKFILL = f"""
    UPDATE events SET answered_at = f.answered_at,
        stretch_prev_at = CASE WHEN f.last_question IS NOT NULL
            AND (f.last_answer IS NULL OR f.last_answer < f.last_question)
            THEN f.last_question END
    FROM (SELECT rowid AS rid, contact_role AS role,
            min(CASE WHEN contact_role = {ANSWER} THEN occurred_at END) OVER (
                {_ORDER} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS answered_at,
            max(CASE WHEN contact_role = {ANSWER} THEN occurred_at END) OVER (
                {_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_answer,
            max(CASE WHEN contact_role = {QUESTION} THEN occurred_at END) OVER (
                {_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_question
          FROM events WHERE contact_role IS NOT NULL) AS f
    WHERE events.rowid = f.rid AND f.role = {QUESTION}"""
"""Every question's facts from its person's ordered moments (the migration's backfill)."""

RESPONSE_FACTS: tuple[str, ...] = (
    "ALTER TABLE events ADD COLUMN contact_role INTEGER",
    "ALTER TABLE events ADD COLUMN answered_at TEXT",
    "ALTER TABLE events ADD COLUMN stretch_prev_at TEXT",
    f"UPDATE events SET contact_role = {contact_role_sql('events')} "
    f"WHERE {contact_role_sql('events')} IS NOT NULL",
    # the triggers' probes: a person's questions and answers by time, with each question's
    # answer, read from the index alone
    """CREATE INDEX events_contact_moments
        ON events (person_id, contact_role, occurred_at, id, answered_at)
        WHERE contact_role IS NOT NULL""",
    _BACKFILL,
    # contact_role leads although the index holds only questions: without it SQLite 3.40
    # visits each row to check the index's WHERE instead of reading the index alone
    f"""CREATE INDEX events_first_responses
        ON events (contact_role, occurred_at, stretch_prev_at, answered_at)
        WHERE contact_role = {QUESTION}""",
    # `SqliteEvents` writes the role with the row (`contact_role`, the same rule in Python):
    # the question and answer triggers trust it, so an insert costs no second reading of the
    # role (for an outbound message, a parse of its document); an insert without it (not
    # through SqliteEvents) is marked here first
    f"""CREATE TRIGGER events_response_facts_question AFTER INSERT ON events
        WHEN NEW.contact_role = {QUESTION}
        BEGIN {_question_added("NEW")} END""",
    f"""CREATE TRIGGER events_response_facts_answer AFTER INSERT ON events
        WHEN NEW.contact_role = {ANSWER}
        BEGIN {_answer_added("NEW")} END""",
    f"""CREATE TRIGGER events_response_facts_unmarked AFTER INSERT ON events
        WHEN NEW.contact_role IS NULL AND {contact_role_sql('NEW')} IS NOT NULL
        BEGIN {_marked("NEW")} END""",
    # a move to another person (merge, unmerge) or a rewrite that changes the event's time or
    # role: out of the old place (the row unmarked first, so no probe sees it), into the new
    f"""CREATE TRIGGER events_response_facts_change
        AFTER UPDATE OF person_id, occurred_at, channel, direction, doc ON events
        WHEN OLD.person_id IS NOT NEW.person_id OR OLD.occurred_at IS NOT NEW.occurred_at
            OR OLD.contact_role IS NOT {contact_role_sql('NEW')}
        BEGIN
            UPDATE events SET contact_role = NULL WHERE rowid = NEW.rowid;
            {_removed("OLD")}
            {_marked("NEW")}
        END""",
)

_EPOCH_MS = "CAST(round((julianday({}) - 2440587.5) * 86400000) AS INTEGER)"
_STRETCHES = (
    "FROM events INDEXED BY events_first_responses "
    f"WHERE contact_role = {QUESTION} AND occurred_at >= ?1 AND occurred_at < ?2 "
    "AND (stretch_prev_at IS NULL OR stretch_prev_at < ?1)")
UNANSWERED_SQL = f"SELECT count(*) {_STRETCHES} AND answered_at IS NULL"
"""How many waiting stretches that open in [?1, ?2) are still unanswered."""
FIRST_RESPONSES_SQL = (
    f"SELECT {_EPOCH_MS.format('answered_at')} - {_EPOCH_MS.format('occurred_at')} "
    f"{_STRETCHES} AND answered_at IS NOT NULL")
"""The wait in milliseconds of each answered waiting stretch that opens in [?1, ?2) (the
walk's exact milliseconds: each time's own epoch milliseconds). Counted apart from the
unanswered ones, which are most stretches: a row into Python costs more than reading it."""

"""Segment predicates (`hub.domain.segments`) compiled to one SQL condition on `persons p`.

Values travel as bound parameters; JSON paths are written into the SQL text (they come from
the domain's field table or match `[A-Za-z0-9_]+`, checked again here) so the condition can
use an index on the same expression. The SQL text comes only from this module.

Household fields select the matching households once and their members through the
persons_household index (`p.household_id IN (SELECT …)`), organisation fields the persons
holding a role at a matching organisation (`p.id IN (SELECT r.person_id …)`). Consent and
tier read the persons' `consent_<channel>` and `pyramid_tier` columns, last contact and last
inbound the `person_facts` rows (both in `sqlite_person_facts`, kept on every write), each
with its own index; gender, birth date (age), language, customer status and the household's
city read columns, tags the `person_tags` rows (`sqlite_segment_columns`). In an AND that
also compares a column of the person's row, tags and contact facts are probed per person
instead of gathered for everyone first (see `_Compiler.narrowed`). Revenue in a period is
set-based: one pass over the transactions index builds the set of matching person ids
(`p.id IN (SELECT …)`), which for a count over every person costs a fraction of one
correlated sub-query per person. `per_person=True` (a check of a few given persons) keeps the
correlated forms, one index probe per person.

Comparisons are type-strict (a number never equals text or a boolean, as on MongoDB): a
`json_type` guard is added where the comparison alone could not tell, and left out where it
can (text `eq`/`in`, and the fields whose stored type the domain model fixes), so the plain
comparison stays visible to the planner. A condition outside any `not` may be NULL (absent
value: no match); under `not` it is made two-valued first.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hub.domain.common import iso
from hub.domain.consent import CONSENT_CHANNELS
from hub.domain.segments import (
    FIELDS,
    And,
    Cmp,
    Not,
    Or,
    Predicate,
    value_kind,
)
from hub.store.sqlite_person_facts import CONSENT_COLUMNS, TIER_COLUMN, TIER_PATH
from hub.store.sqlite_segment_columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS

SQL_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_HOLDS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
    "lte": operator.le}
TYPE_GUARD = {"text": "= 'text'", "num": "IN ('integer', 'real')", "bool": "IN ('true', 'false')",
              "datetime": "= 'text'"}
_PART = re.compile(r"^[A-Za-z0-9_]+$")
LONG_PERIOD = timedelta(days=31)
"""A revenue period longer than this is summed from the transactions in person order."""
TYPED_TEXT: frozenset[tuple[str, tuple[str, ...]]] = frozenset(
    (spec.source, spec.path) for spec in FIELDS.values()
    if spec.kind in ("text", "enum", "date", "datetime")
    and spec.source in ("person", "household", "organisation")
    and spec.path[:1] != ("attributes",))
"""Fields the domain model stores as text or null: a comparison with text needs no guard."""


SEGMENT_INDEXES: tuple[str, ...] = (
    # the person fields segments filter on most, as the compiler writes them (literal path),
    # over active persons only (every count has p.active = 1): a count by consent or tier
    # reads one of these instead of every person's document
    *(f"""CREATE INDEX persons_consent_{channel}
        ON persons (json_extract(doc, '$.consent.{channel}.status')) WHERE active = 1"""
      for channel in CONSENT_CHANNELS),
    """CREATE INDEX persons_pyramid_tier
        ON persons (json_extract(doc, '$.attributes.pyramid_tier')) WHERE active = 1""",
    """CREATE INDEX persons_birth_date
        ON persons (json_extract(doc, '$.birth_date')) WHERE active = 1""",
    """CREATE INDEX persons_customer_status
        ON persons (json_extract(doc, '$.customer_status')) WHERE active = 1""",
    # events_channel_time (migration 4) gains person_id: "who had a contact since t" is read
    # from the index alone, without a visit to each event row; same prefix for the analytics
    "DROP INDEX events_channel_time",
    "CREATE INDEX events_channel_time ON events (channel, occurred_at, direction, person_id)",
)
"""Migration: expression indexes for segment counts (the MongoDB twins are in mongo.py)."""


DENSE_SHARE = 4
"""A contact-fact range holding more than 1/DENSE_SHARE of the persons is probed per person:
one ordered primary-key probe per person costs about a quarter of one gathered id's (a sorted
temporary set, then a seek into persons_active), measured by bench/segments.py."""


def compile_predicate(predicate: Predicate, *, per_person: bool = False,
                      dense: frozenset[Cmp] = frozenset()) -> tuple[str, list[Any]]:
    """A SQL boolean expression over `persons p` and its parameters (true: the person matches;
    false or NULL: not). `per_person` when only a few given persons are checked; `dense`: the
    contact-fact comparisons that hold many persons (`fact_count_query`), probed per person."""
    params: list[Any] = []
    return _Compiler(per_person, params, dense).compile(predicate), params


def count_query(predicate: Predicate,
                dense: frozenset[Cmp] = frozenset()) -> tuple[str, list[Any]]:
    """The statement that counts the active persons matching `predicate`, and its parameters."""
    condition, params = compile_predicate(predicate, dense=dense)
    return f"SELECT count(*) FROM persons p WHERE p.active = 1 AND {condition}", params


def fact_comparisons(predicate: Predicate) -> list[Cmp]:
    """The comparisons on last contact or last inbound in `predicate`."""
    if isinstance(predicate, Cmp):
        return [predicate] if predicate.target.source in _FACTS else []
    if isinstance(predicate, Not):
        return fact_comparisons(predicate.item)
    return [cmp for item in predicate.items for cmp in fact_comparisons(item)]


def fact_count_query(cmp: Cmp) -> tuple[str, list[Any]]:
    """How many persons' facts satisfy `cmp` (a range of the fact's index alone)."""
    params: list[Any] = []
    column = "last_inbound_at" if cmp.target.source == "last_inbound" else "last_contact_at"
    condition = _Compiler(False, params).scalar_cmp(column, cmp)
    return f"SELECT count(*) FROM person_facts WHERE {condition}", params


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return iso(value)
    return value


def _path(parts: tuple[str, ...]) -> str:
    """The JSON path as a SQL literal; parts come from the field table or match the attribute
    key pattern, checked again because this text is part of the statement."""
    if not parts or not all(_PART.match(part) for part in parts):
        raise ValueError(f"not a segment field path: {parts!r}")
    return "'$." + ".".join(parts) + "'"


def _plain_text(value: Any) -> bool:
    """Text that only a JSON string can equal (json_extract returns an object or array as
    JSON text, which starts with { or [)."""
    return isinstance(value, str) and not value.startswith(("{", "["))


_FACTS = ("last_contact", "last_inbound")


def _probed(item: Predicate) -> bool:
    """A comparison (or its negation) on a person's tags or contact facts."""
    cmp = item.item if isinstance(item, Not) else item
    return isinstance(cmp, Cmp) and cmp.target.source in ("tags", *_FACTS)


class _Compiler:
    def __init__(self, per_person: bool, params: list[Any],
                 dense: frozenset[Cmp] = frozenset()) -> None:
        self.per_person = per_person
        self.params = params
        self.dense = dense

    def compile(self, predicate: Predicate) -> str:
        if isinstance(predicate, And):
            if not predicate.items:
                return "1"
            return "(" + " AND ".join(self.combined(predicate.items, "AND")) + ")"
        if isinstance(predicate, Or):
            if not predicate.items:
                return "0"
            return "(" + " OR ".join(self.combined(predicate.items, "OR")) + ")"
        if isinstance(predicate, Not):
            # NULL (an absent value) must count as false before it is negated; outside a
            # `not`, AND/OR are monotone, so NULL and false select the same persons
            return f"NOT coalesce({self.compile(predicate.item)}, 0)"
        return self.cmp(predicate)

    def combined(self, items: tuple[Predicate, ...], joiner: str) -> list[str]:
        """The terms of an AND/OR. Its household comparisons become one term: a person has
        one household, so "some household row satisfies a, and (or) some satisfies b" is
        "the household satisfies a and (or) b", one pass over the households instead of one
        per comparison. In a `narrowed` AND, tags and contact facts use the per-person form."""
        household = [item for item in items
                     if isinstance(item, Cmp) and item.target.source == "household"]
        if self.per_person or (len(household) < 2 and not self.narrowed(items, joiner)):
            return [self.compile(item) for item in items]
        probe = _Compiler(True, self.params) if self.narrowed(items, joiner) else self
        terms: list[str] = []
        for item in items:
            if probe is not self and _probed(item):
                terms.append(probe.compile(item))
            elif len(household) < 2:
                terms.append(self.compile(item))
            elif item is household[0]:
                inner = f" {joiner} ".join(
                    self.party_cmp("h", cmp) for cmp in household if isinstance(cmp, Cmp))
                terms.append(f"p.household_id IN (SELECT h.id FROM households h WHERE ({inner}))")
            elif not any(item is other for other in household):
                terms.append(self.compile(item))
        return terms

    def narrowed(self, items: tuple[Predicate, ...], joiner: str) -> bool:
        """Whether an AND holds a comparison on the person's own row (a column, through an
        index): its tags and contact facts are then probed per remaining person (one primary
        key seek each) rather than gathered for everyone into a temporary set first, which
        costs as much as the set is large (every person in contact in the last year)."""
        return joiner == "AND" and any(
            isinstance(item, Cmp) and item.target.source in ("person", "consent")
            for item in items)

    def party_cmp(self, alias: str, cmp: Cmp) -> str:
        """A comparison on a field of the person (`p`) or household (`h`) row: its column
        when the field has one and the values are text (the only type the column holds, so
        the plain comparison is as strict as the JSON one), else its JSON value."""
        columns = PERSON_COLUMNS if alias == "p" else HOUSEHOLD_COLUMNS
        column = columns.get(cmp.target.path)
        values = cmp.value if cmp.op == "in" else (cmp.value,)
        if column is None or not all(value is None or isinstance(value, str) for value in values):
            return self.json_cmp(f"{alias}.doc", (cmp.target.source, cmp.target.path), cmp)
        expression = f"{alias}.{column}"
        if cmp.op == "contains":
            self.params.append(cmp.value.lower())
            return f"(instr(lower({expression}), ?) > 0)"
        return self.scalar_cmp(expression, cmp)

    def json_cmp(self, doc: str, target: tuple[str, tuple[str, ...]], cmp: Cmp) -> str:
        """A comparison on the JSON value at `target`'s path of `doc` (a column expression)."""
        path = _path(target[1])
        extract = f"json_extract({doc}, {path})"
        kind_of = f"json_type({doc}, {path})"
        typed = target in TYPED_TEXT
        if cmp.op == "exists":
            return f"{extract} IS NOT NULL"
        if cmp.op == "contains":
            self.params.append(cmp.value.lower())
            check = "" if typed else f"{kind_of} = 'text' AND "
            return f"({check}instr(lower({extract}), ?) > 0)"
        if cmp.op == "in":
            # one IN list per kind of value, not one comparison per value: a list of 500
            # values stays a single term for SQLite's planner (whose time to prepare grows
            # much faster than the number of OR terms, and no progress handler sees it)
            by_kind: dict[str, list[Any]] = {}
            for item in cmp.value:
                by_kind.setdefault(value_kind(item), []).append(_sql_value(item))
            parts = []
            for kind, values in by_kind.items():
                self.params.extend(values)
                term = f"{extract} IN ({', '.join('?' for _ in values)})"
                if not (kind == "text" and (typed or all(_plain_text(v) for v in values))):
                    term = f"({kind_of} {TYPE_GUARD[kind]} AND {term})"
                parts.append(term)
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        self.params.append(_sql_value(cmp.value))
        kind = value_kind(cmp.value)
        term = f"{extract} {SQL_OPS[cmp.op]} ?"
        textual = kind in ("text", "datetime")
        if textual and (typed or (cmp.op == "eq" and _plain_text(cmp.value))):
            return term
        return f"({kind_of} {TYPE_GUARD[kind]} AND {term})"

    def scalar_cmp(self, expression: str, cmp: Cmp) -> str:
        """A comparison on a plain SQL expression (NULL when the fact is absent)."""
        if cmp.op == "exists":
            return f"{expression} IS NOT NULL"
        if cmp.op == "in":
            self.params.extend(_sql_value(item) for item in cmp.value)
            return f"{expression} IN ({', '.join('?' for _ in cmp.value)})"
        self.params.append(_sql_value(cmp.value))
        return f"{expression} {SQL_OPS[cmp.op]} ?"

    def cmp(self, cmp: Cmp) -> str:
        source = cmp.target.source
        target = (source, cmp.target.path)
        if source == "person":
            if cmp.target.path == TIER_PATH and cmp.op in ("eq", "in") and all(
                    _plain_text(value) for value in (cmp.value if cmp.op == "in"
                                                     else (cmp.value,))):
                # text only equals a text tier, which the column holds (NULL otherwise)
                return self.scalar_cmp(f"p.{TIER_COLUMN}", cmp)
            return self.party_cmp("p", cmp)
        if source == "household":
            inner = self.party_cmp("h", cmp)
            if self.per_person:
                return (f"EXISTS (SELECT 1 FROM households h WHERE h.id = p.household_id"
                        f" AND {inner})")
            # the set of matching households once, then their members through
            # persons_household: not one household probe per person
            return f"p.household_id IN (SELECT h.id FROM households h WHERE {inner})"
        if source == "organisation":
            inner = self.json_cmp("o.doc", target, cmp)
            if self.per_person:
                return ("EXISTS (SELECT 1 FROM roles r JOIN organisations o"
                        f" ON o.id = r.organisation_id WHERE r.person_id = p.id AND {inner})")
            # the matching organisations once, then their roles through roles_organisation
            return ("p.id IN (SELECT r.person_id FROM organisations o JOIN roles r"
                    f" ON r.organisation_id = o.id WHERE {inner})")
        if source == "tags":
            if cmp.op == "exists":
                return "json_array_length(p.doc, '$.tags') > 0"
            values = cmp.value if cmp.op == "in" else (cmp.value,)
            self.params.extend(values)
            marks = ", ".join("?" for _ in values)
            if self.per_person:
                return ("EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id"
                        f" AND t.tag IN ({marks}))")
            # the tagged persons once, from the tag's range of person_tags' primary key
            return f"p.id IN (SELECT t.person_id FROM person_tags t WHERE t.tag IN ({marks}))"
        if source in ("emails", "phones"):
            return f"json_array_length(p.doc, '$.{source}') > 0"
        if source == "consent":
            # the status column (`unknown` without a record), indexed with active
            column = next((name for channel, name in CONSENT_COLUMNS.items()
                           if channel == cmp.target.path[0]), None)
            if column is None:
                raise ValueError(f"not a consent channel: {cmp.target.path!r}")
            return self.scalar_cmp(f"p.{column}", cmp)
        if source in ("last_contact", "last_inbound"):
            return self.last_contact(cmp, inbound=source == "last_inbound")
        return self.revenue(cmp)

    def last_contact(self, cmp: Cmp, *, inbound: bool) -> str:
        """The newest contact event, either way or inbound only: the person's fact row
        (`sqlite_person_facts`, kept by triggers on events), NULL without contact events."""
        column = "f.last_inbound_at" if inbound else "f.last_contact_at"
        if self.per_person or cmp in self.dense:
            return self.scalar_cmp(
                f"(SELECT {column} FROM person_facts f WHERE f.person_id = p.id)", cmp)
        # the persons whose fact is in range, read from the fact's index
        condition = self.scalar_cmp(column, cmp)
        return f"p.id IN (SELECT f.person_id FROM person_facts f WHERE {condition})"

    def revenue(self, cmp: Cmp) -> str:
        """Minor units in the period, 0 without transactions."""
        start, end = cmp.target.period
        window = ""
        bounds: list[Any] = []
        if start is not None:
            window += " AND t.occurred_at >= ?"
            bounds.append(iso(start))
        if end is not None:
            window += " AND t.occurred_at < ?"
            bounds.append(iso(end))
        total = "coalesce(sum(t.amount_minor), 0)"
        if self.per_person:
            self.params.extend(bounds)
            return self.scalar_cmp(
                f"(SELECT {total} FROM transactions t WHERE t.person_id = p.id{window})", cmp)
        if start is None or (end is not None and end - start > LONG_PERIOD):
            # a long period holds much of the history: reading transactions_person_period
            # whole, already in person order, costs less than the period's range of
            # transactions_period and a sort of it by person (which SQLite 3.40, without
            # STAT4, picks whenever both bounds are given); `+` keeps it off that range
            window = window.replace("t.occurred_at", "+t.occurred_at")
        spenders = (f"SELECT t.person_id FROM transactions t WHERE t.person_id IS NOT NULL{window}"
                    " GROUP BY t.person_id HAVING ")
        self.params.extend(bounds)
        if not _HOLDS[cmp.op](0, cmp.value):  # only persons with transactions can match
            return f"p.id IN ({spenders}{self.scalar_cmp(total, cmp)})"
        # a person without transactions (0) matches: all but those whose sum fails
        return f"p.id NOT IN ({spenders}NOT ({self.scalar_cmp(total, cmp)}))"

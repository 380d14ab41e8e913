"""Segment predicates (`hub.domain.segments`) compiled to one SQL condition on `persons p`.

Values and JSON paths travel as bound parameters; the SQL text comes only from this module.
Household fields are an EXISTS on the household row, organisation fields an EXISTS over the
person's roles joined to their organisations, derived facts correlated sub-queries that use
the events / transactions indexes on person_id. Comparisons are guarded by `json_type`, so a
number never equals text or a boolean, as on MongoDB.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.common import iso
from hub.domain.segments import CONTACT_CHANNELS, And, Cmp, Not, Or, Predicate, value_kind

SQL_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
TYPE_GUARD = {"text": "= 'text'", "num": "IN ('integer', 'real')", "bool": "IN ('true', 'false')",
              "datetime": "= 'text'"}
_CONTACT = ", ".join(f"'{channel}'" for channel in CONTACT_CHANNELS)


def compile_predicate(predicate: Predicate) -> tuple[str, list[Any]]:
    """A SQL boolean expression over `persons p` and its parameters."""
    params: list[Any] = []
    return _compile(predicate, params), params


def _compile(predicate: Predicate, params: list[Any]) -> str:
    if isinstance(predicate, And):
        if not predicate.items:
            return "1"
        return "(" + " AND ".join(_compile(item, params) for item in predicate.items) + ")"
    if isinstance(predicate, Or):
        if not predicate.items:
            return "0"
        return "(" + " OR ".join(_compile(item, params) for item in predicate.items) + ")"
    if isinstance(predicate, Not):
        return f"NOT {_compile(predicate.item, params)}"
    return f"coalesce({_cmp(predicate, params)}, 0)"  # two-valued: NULL (absent) is false


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return iso(value)
    return value


def _json_cmp(doc: str, path: str, cmp: Cmp, params: list[Any]) -> str:
    """A comparison on the JSON value at `path` of `doc` (a column expression)."""
    extract = f"json_extract({doc}, ?)"
    kind_of = f"json_type({doc}, ?)"
    if cmp.op == "exists":
        params.append(path)
        return f"{extract} IS NOT NULL"
    if cmp.op == "contains":
        params += [path, path, cmp.value.lower()]
        return f"({kind_of} = 'text' AND instr(lower({extract}), ?) > 0)"
    if cmp.op == "in":
        # one type guard and one IN list per kind of value, not one comparison per value: a
        # list of 500 values stays a single term for SQLite's planner (whose time to prepare
        # grows much faster than the number of OR terms, and no progress handler sees it)
        by_kind: dict[str, list[Any]] = {}
        for item in cmp.value:
            by_kind.setdefault(value_kind(item), []).append(_sql_value(item))
        parts = []
        for kind, values in by_kind.items():
            params += [path, path, *values]
            marks = ", ".join("?" for _ in values)
            parts.append(f"({kind_of} {TYPE_GUARD[kind]} AND {extract} IN ({marks}))")
        return "(" + " OR ".join(parts) + ")"
    params += [path, path, _sql_value(cmp.value)]
    guard = TYPE_GUARD[value_kind(cmp.value)]
    return f"({kind_of} {guard} AND {extract} {SQL_OPS[cmp.op]} ?)"


def _scalar_cmp(expression: str, cmp: Cmp, params: list[Any]) -> str:
    """A comparison on a plain SQL expression (NULL when the fact is absent)."""
    if cmp.op == "exists":
        return f"{expression} IS NOT NULL"
    if cmp.op == "in":
        params += [_sql_value(item) for item in cmp.value]
        return f"{expression} IN ({', '.join('?' for _ in cmp.value)})"
    params.append(_sql_value(cmp.value))
    return f"{expression} {SQL_OPS[cmp.op]} ?"


def _path(parts: tuple[str, ...]) -> str:
    return "$." + ".".join(parts)  # parts are from the field table or match [A-Za-z0-9_]+


def _cmp(cmp: Cmp, params: list[Any]) -> str:
    source = cmp.target.source
    if source == "person":
        return _json_cmp("p.doc", _path(cmp.target.path), cmp, params)
    if source == "household":
        inner = _json_cmp("h.doc", _path(cmp.target.path), cmp, params)
        return f"EXISTS (SELECT 1 FROM households h WHERE h.id = p.household_id AND {inner})"
    if source == "organisation":
        inner = _json_cmp("o.doc", _path(cmp.target.path), cmp, params)
        return ("EXISTS (SELECT 1 FROM roles r JOIN organisations o ON o.id = r.organisation_id"
                f" WHERE r.person_id = p.id AND {inner})")
    if source == "tags":
        if cmp.op == "exists":
            return "json_array_length(p.doc, '$.tags') > 0"
        values = cmp.value if cmp.op == "in" else (cmp.value,)
        params += list(values)
        marks = ", ".join("?" for _ in values)
        return f"EXISTS (SELECT 1 FROM json_each(p.doc, '$.tags') WHERE value IN ({marks}))"
    if source in ("emails", "phones"):
        return f"json_array_length(p.doc, '$.{source}') > 0"
    if source == "consent":
        params.append(_path(("consent", cmp.target.path[0], "status")))
        expression = "coalesce(json_extract(p.doc, ?), 'unknown')"
        return _scalar_cmp(expression, cmp, params)
    if source in ("last_contact", "last_inbound"):
        inbound = " AND e.direction = 'inbound'" if source == "last_inbound" else ""
        expression = (f"(SELECT max(e.occurred_at) FROM events e WHERE e.person_id = p.id"
                      f" AND e.channel IN ({_CONTACT}){inbound})")
        return _scalar_cmp(expression, cmp, params)
    # revenue: minor units in the period, 0 without transactions
    start, end = cmp.target.period
    window = ""
    if start is not None:
        window += " AND json_extract(t.doc, '$.occurred_at') >= ?"
        params.append(iso(start))
    if end is not None:
        window += " AND json_extract(t.doc, '$.occurred_at') < ?"
        params.append(iso(end))
    expression = ("coalesce((SELECT sum(json_extract(t.doc, '$.amount_minor')) FROM transactions t"
                  f" WHERE t.person_id = p.id{window}), 0)")
    return _scalar_cmp(expression, cmp, params)

"""Segment predicates (`hub.domain.segments`) compiled to a MongoDB aggregation on `persons`.

The pipeline joins only what the predicate reads: the household (`$lookup` on household_id)
and the organisations (through the person's roles); each derived fact (last contact, last
inbound, revenue in a period) is one correlated `$lookup` whose sub-pipeline filters and
aggregates the person's events or transactions where they are (`$match` + `$group`), so one
row per fact comes back, never a whole timeline; then one `$match`. Values are always
operands, never operators or field names: field paths come from the domain's field table.
Comparisons carry a `$type` guard so a number never equals text or a boolean.

Only standard forms that mongod (5.0+), SecantusDB and the test mock all run: the correlated
`$lookup` (`localField`/`foreignField` with a `pipeline`, served by the person_id indexes),
`$unwind` of the zero-or-one row, `$map` over joined documents. No field path reaches into an
array of sub-documents (`"$_r.organisation_id"`): SecantusDB returns those as missing
(tests/contracts/secantus_known.md).
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any

from hub.domain.segments import (
    CONTACT_CHANNELS,
    And,
    Cmp,
    Not,
    Or,
    Predicate,
    Target,
    sources_of,
    value_kind,
)

Doc = dict[str, Any]
NEVER: Doc = {"_id": {"$in": []}}
TYPE = {"text": "string", "num": "number", "bool": "bool", "datetime": "date"}
OPS = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
HELPERS = ("_h", "_r", "_oids", "_o")


class Compiled:
    """The pipeline stages that evaluate one predicate."""

    def __init__(self, predicate: Predicate) -> None:
        self._facts: dict[Target, str] = {}
        self._fact_stages: list[Doc] = []
        self.match = self._compile(predicate)
        self.stages = [*self._joins(sources_of(predicate)), *self._fact_stages,
                       {"$match": self.match}]

    def helper_fields(self) -> list[str]:
        return [*HELPERS, *self._facts.values(), *(f"{n}_in" for n in self._facts.values())]

    @staticmethod
    def _joins(sources: Set[str]) -> list[Doc]:
        stages: list[Doc] = []

        def lookup(collection: str, local: str, foreign: str, name: str) -> None:
            stages.append({"$lookup": {"from": collection, "localField": local,
                                       "foreignField": foreign, "as": name}})

        if "household" in sources:
            lookup("households", "household_id", "_id", "_h")
        if "organisation" in sources:
            lookup("roles", "_id", "person_id", "_r")
            stages.append({"$addFields": {"_oids": {"$map": {
                "input": "$_r", "as": "role", "in": "$$role.organisation_id"}}}})
            lookup("organisations", "_oids", "_id", "_o")
        return stages

    def _compile(self, predicate: Predicate) -> Doc:
        if isinstance(predicate, And):
            return {"$and": [self._compile(i) for i in predicate.items]} if predicate.items else {}
        if isinstance(predicate, Or):
            if not predicate.items:
                return NEVER
            return {"$or": [self._compile(item) for item in predicate.items]}
        if isinstance(predicate, Not):
            return {"$nor": [self._compile(predicate.item)]}
        return self._cmp(predicate)

    def _fact(self, target: Target) -> str:
        """The name of the field holding a derived fact for `target`: the newest contact
        moment (missing when there is none) or the revenue in the period (0 without any)."""
        if target in self._facts:
            return self._facts[target]
        name = f"_f{len(self._facts)}"
        self._facts[target] = name
        if target.source == "revenue":
            collection = "transactions"
            start, end = target.period
            bounds: Doc = {}
            if start is not None:
                bounds["$gte"] = start
            if end is not None:
                bounds["$lt"] = end
            match: Doc = {"occurred_at": bounds} if bounds else {}
            total: Doc = {"$sum": "$amount_minor"}
            value: Any = {"$ifNull": [f"${name}_in.v", 0]}
        else:
            collection = "events"
            match = {"channel": {"$in": list(CONTACT_CHANNELS)}}
            if target.source == "last_inbound":
                match["direction"] = "inbound"
            total = {"$max": "$occurred_at"}
            value = f"${name}_in.v"
        self._fact_stages += [
            {"$lookup": {"from": collection, "localField": "_id", "foreignField": "person_id",
                         "pipeline": [{"$match": match},
                                      {"$group": {"_id": None, "v": total}}],
                         "as": f"{name}_in"}},
            # the sub-pipeline yields zero or one row: `$unwind` keeps the person either way
            {"$unwind": {"path": f"${name}_in", "preserveNullAndEmptyArrays": True}},
            {"$addFields": {name: value}},
        ]
        return name

    def _cmp(self, cmp: Cmp) -> Doc:
        source = cmp.target.source
        path = ".".join(cmp.target.path)
        if source == "person":
            return _value_cmp(path, cmp)
        if source == "household":
            return {"_h": {"$elemMatch": _value_cmp(path, cmp)}}
        if source == "organisation":
            return {"_o": {"$elemMatch": _value_cmp(path, cmp)}}
        if source == "tags":
            if cmp.op == "exists":
                return {"tags.0": {"$exists": True}}
            values: list[Any] = list(cmp.value) if cmp.op == "in" else [cmp.value]
            return {"tags": {"$in": values}}
        if source in ("emails", "phones"):
            return {f"{source}.0": {"$exists": True}}
        if source == "consent":
            values = list(cmp.value)
            if "unknown" in values:
                values.append(None)  # no consent record, or a record without status
            return {f"consent.{cmp.target.path[0]}.status": {"$in": values}}
        name = self._fact(cmp.target)
        if cmp.op == "exists":
            return {name: {"$ne": None}}
        if cmp.op == "eq":
            return {name: {"$eq": cmp.value}}
        return {name: {OPS[cmp.op]: cmp.value}}


def _value_cmp(path: str, cmp: Cmp) -> Doc:
    """A type-strict comparison on the scalar at `path` (missing/null never satisfies it)."""
    if cmp.op == "exists":
        return {path: {"$ne": None}}
    if cmp.op == "contains":
        return {path: {"$regex": re.escape(cmp.value), "$options": "i"}}
    if cmp.op == "in":
        by_kind: dict[str, list[Any]] = {}
        for item in cmp.value:
            by_kind.setdefault(value_kind(item), []).append(item)
        parts = [{path: {"$in": items, "$type": TYPE[kind]}} for kind, items in by_kind.items()]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    operator = "$eq" if cmp.op == "eq" else OPS[cmp.op]
    return {path: {operator: cmp.value, "$type": TYPE[value_kind(cmp.value)]}}

"""The segment filter language (DESIGN §6) and its normalised form, the `Predicate` that the
store backends compile to a query.

A client sends JSON: `{"all": [...]}`, `{"any": [...]}`, `{"not": f}` or a condition
`{"field": "age", "op": "gte", "value": 30}`. `parse_filter` checks it against the table of
known fields (`FIELDS`) and names the bad field or op in its error; nothing a client sends
reaches a database as an operator or a column name. `plan(filter, now)` then turns it into a
`Predicate` that uses only positive comparisons (`eq in gt gte lt lte exists contains`) under
`And`/`Or`/`Not`, with relative dates made absolute, ages turned into birth-date bounds and
`ne`/`nin`/`exists: false` written as `Not(...)`. Backends compile only that form.

Semantics every backend keeps (and `tests/contracts/segment_eval.py` spells out in Python):
- a missing or null value satisfies no positive comparison, so `ne`/`nin` match it;
- comparisons are type-strict: a number never equals a string or a boolean;
- `organisation.*` holds when any of the person's organisations (through roles) satisfies it;
- `contains` is a case-insensitive substring test on text (ASCII case folding), and "has this
  tag" on `tags`; consent without a record is `unknown`; revenue without transactions is 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.consent import CONSENT_CHANNELS, CONSENT_STATUSES
from hub.domain.parties import PreferredChannel
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.i18n.text import Text

Op = Literal["eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "exists", "contains",
             "within_days", "older_than_days"]
OPS: tuple[str, ...] = ("eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "exists", "contains",
                        "within_days", "older_than_days")
Kind = Literal["text", "enum", "date", "age", "datetime", "any", "tags", "address", "consent",
               "money"]
Source = Literal["person", "household", "organisation", "tags", "emails", "phones", "consent",
                 "last_contact", "last_inbound", "revenue"]
ValueKind = Literal["text", "num", "bool", "datetime"]
Scalar = str | int | float | bool

MAX_DEPTH = 8
MAX_CONDITIONS = 100
MAX_LIST = 500
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CONTACT_CHANNELS: tuple[str, ...] = (*SENDABLE_CHANNELS, "call", "webform", "survey")
"""The event channels that count as a contact moment for `last_contact`/`last_inbound`."""

_ORDER = ("gt", "gte", "lt", "lte")
_OPS_BY_KIND: dict[str, frozenset[str]] = {
    "text": frozenset({"eq", "ne", "in", "nin", "exists", "contains"}),
    "enum": frozenset({"eq", "ne", "in", "nin", "exists"}),
    "date": frozenset({"eq", "ne", "in", "nin", "exists", *_ORDER}),
    "age": frozenset({"eq", "ne", "in", "nin", *_ORDER}),
    "datetime": frozenset({"exists", "within_days", "older_than_days", *_ORDER}),
    "any": frozenset({"eq", "ne", "in", "nin", "exists", "contains", *_ORDER}),
    "tags": frozenset({"contains", "in", "nin", "exists"}),
    "address": frozenset({"exists"}),
    "consent": frozenset({"eq", "ne", "in", "nin"}),
    "money": frozenset({"eq", "ne", *_ORDER}),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: Kind
    source: Source
    path: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # enum / consent: the allowed values
    doc: str = ""


_CUSTOMER = ("prospect", "customer", "inactive", "lost")
FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec("text", "person", ("name",)),
    "gender": FieldSpec("enum", "person", ("gender",), ("female", "male", "other", "unknown")),
    "birth_date": FieldSpec("date", "person", ("birth_date",)),
    "age": FieldSpec("age", "person", ("birth_date",), doc=N_("whole years, from birth_date")),
    "income_band": FieldSpec("text", "person", ("income_band",)),
    "education": FieldSpec("text", "person", ("education",)),
    "life_stage": FieldSpec("text", "person", ("life_stage",)),
    "language": FieldSpec("text", "person", ("language",)),
    "preferred_channel": FieldSpec("enum", "person", ("preferred_channel",),
                                   get_args(PreferredChannel)),
    "customer_status": FieldSpec("enum", "person", ("customer_status",), _CUSTOMER),
    "created_at": FieldSpec("datetime", "person", ("created_at",)),
    "tags": FieldSpec("tags", "tags"),
    "email": FieldSpec("address", "emails", doc=N_("has an email address")),
    "phone": FieldSpec("address", "phones", doc=N_("has a phone number")),
    **{f"consent.{channel}": FieldSpec("consent", "consent", (channel,), CONSENT_STATUSES)
       for channel in CONSENT_CHANNELS},
    "last_contact": FieldSpec("datetime", "last_contact",
                              doc=N_("newest message, call, form or survey event, either way")),
    "last_inbound": FieldSpec("datetime", "last_inbound", doc=N_("newest inbound contact")),
    "pyramid_tier": FieldSpec("enum", "person", ("attributes", "pyramid_tier"),
                              ("top", "large", "medium", "small", "inactive", "prospect"),
                              doc=N_("stored by `hub analytics refresh` and transaction imports")),
    "revenue": FieldSpec("money", "revenue",
                         doc=N_("sum of the person's transactions (major units) in `period`")),
    "household.name": FieldSpec("text", "household", ("name",)),
    "household.customer_status": FieldSpec("enum", "household", ("customer_status",), _CUSTOMER),
    "household.address.city": FieldSpec("text", "household", ("address", "city")),
    "household.address.postcode": FieldSpec("text", "household", ("address", "postcode")),
    "household.address.country": FieldSpec("text", "household", ("address", "country")),
    "organisation.name": FieldSpec("text", "organisation", ("name",)),
    "organisation.industry": FieldSpec("text", "organisation", ("industry",)),
    "organisation.size": FieldSpec("text", "organisation", ("size",)),
    "organisation.customer_status": FieldSpec("enum", "organisation", ("customer_status",),
                                              _CUSTOMER),
    "organisation.address.city": FieldSpec("text", "organisation", ("address", "city")),
    "organisation.address.country": FieldSpec("text", "organisation", ("address", "country")),
}
"""Every field a filter may name; `attributes.KEY`, `household.attributes.KEY` and
`organisation.attributes.KEY` are accepted for any KEY of letters, digits and `_`."""

_ATTRIBUTE_SOURCES: dict[str, Source] = {
    "attributes.": "person", "household.attributes.": "household",
    "organisation.attributes.": "organisation",
}


def field_spec(name: str) -> FieldSpec | None:
    if name in FIELDS:
        return FIELDS[name]
    for prefix, source in _ATTRIBUTE_SOURCES.items():
        if name.startswith(prefix) and KEY.match(name[len(prefix):]):
            return FieldSpec("any", source, ("attributes", name[len(prefix):]))
    return None


def ops_for(kind: str) -> tuple[str, ...]:
    """The ops a field of `kind` takes, in the order of OPS."""
    return tuple(op for op in OPS if op in _OPS_BY_KIND[kind])


# --- the filter as a client writes it -------------------------------------------------------


class Period(BaseModel):
    """A half-open period [from, to) of calendar days (UTC), or the last `days` days."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    days: int | None = Field(default=None, ge=1, le=36500)
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    op: Op
    value: Any = None
    period: Period | None = None


class AllOf(BaseModel):
    all: list[Filter]


class AnyOf(BaseModel):
    any: list[Filter]


class NotOf(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    not_: Filter = Field(alias="not")


Filter = AllOf | AnyOf | NotOf | Condition
for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


class FilterError(InvalidInput):
    code = "invalid_filter"

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(N_("%(where)s: %(problem)s"), params={"where": where, "problem": problem},
                         details={"where": where, "problem": problem})


def parse_filter(data: Any) -> Filter:
    """The filter in `data`, checked against FIELDS; FilterError names what is wrong."""
    counter = [0]
    return _parse(data, "filter", 0, counter)


def _parse(data: Any, where: str, depth: int, counter: list[int]) -> Filter:
    if depth > MAX_DEPTH:
        raise FilterError(where, Text(N_("nested deeper than %(max_depth)s levels"),
                                      {"max_depth": MAX_DEPTH}))
    if not isinstance(data, dict):
        raise FilterError(where, N_("expected an object with all, any, not or field/op/value"))
    keys = set(data)
    for combinator in ("all", "any"):
        if combinator in keys:
            if keys != {combinator}:
                raise FilterError(where, Text(N_("'%(combinator)s' cannot be combined with other "
                                                 "keys"),
                                              {"combinator": combinator}))
            items = data[combinator]
            if not isinstance(items, list) or not items:
                raise FilterError(f"{where}.{combinator}", N_("expected a non-empty list"))
            parsed = [_parse(item, f"{where}.{combinator}[{i}]", depth + 1, counter)
                      for i, item in enumerate(items)]
            return AllOf(all=parsed) if combinator == "all" else AnyOf(any=parsed)
    if "not" in keys:
        if keys != {"not"}:
            raise FilterError(where, N_("'not' cannot be combined with other keys"))
        return NotOf(not_=_parse(data["not"], f"{where}.not", depth + 1, counter))
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise FilterError(where, Text(N_("more than %(max_conditions)s conditions"),
                                      {"max_conditions": MAX_CONDITIONS}))
    return _condition(data, where)


def _condition(data: dict[str, Any], where: str) -> Condition:
    unknown = set(data) - {"field", "op", "value", "period"}
    if unknown:
        raise FilterError(where, Text(N_("unknown key(s) %(unknown)s; a condition has field, op, "
                                         "value (and period for revenue)"),
                                      {"unknown": sorted(unknown)}))
    name, op = data.get("field"), data.get("op")
    if not isinstance(name, str):
        raise FilterError(where, N_("a condition needs a 'field' (text)"))
    spec = field_spec(name)
    if spec is None:
        raise FilterError(f"{where}.field", Text(N_("unknown field %(name)s"),
                                                 {"name": repr(name[:100])}))
    if not isinstance(op, str) or op not in OPS:
        raise FilterError(f"{where}.op", Text(N_("unknown op %(value)s; use one of %(ops)s"),
                                              {"value": repr(str(op)[:40]), "ops": list(OPS)}))
    if op not in _OPS_BY_KIND[spec.kind]:
        allowed = sorted(_OPS_BY_KIND[spec.kind])
        raise FilterError(f"{where}.op", Text(N_("op %(op)s does not apply to field %(name)s; use "
                                                 "one of %(allowed)s"),
                                              {"op": repr(op), "name": repr(name),
                                               "allowed": allowed}))
    value = data.get("value")
    _check_value(spec, name, op, value, f"{where}.value")
    period = data.get("period")
    if period is not None and spec.kind != "money":
        raise FilterError(f"{where}.period", Text(N_("only revenue takes a period, not %(name)s"),
                                                  {"name": repr(name)}))
    try:
        parsed_period = None if period is None else Period.model_validate(period)
    except ValueError as exc:
        raise FilterError(f"{where}.period", N_("expected {days} or {from, to} dates")) from exc
    return Condition(field=name, op=op, value=value, period=parsed_period)  # type: ignore[arg-type]


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and not (
        isinstance(value, float) and value != value)


def _check_value(spec: FieldSpec, name: str, op: str, value: Any, where: str) -> None:
    if op == "exists":
        if not isinstance(value, bool):
            raise FilterError(where, Text(N_("op exists on %(name)s takes true or false"),
                                          {"name": repr(name)}))
        return
    if op in ("within_days", "older_than_days"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
            raise FilterError(where, Text(N_("op %(op)s takes a whole number of days (0..36500)"),
                                          {"op": op}))
        return
    values = value if op in ("in", "nin") else [value]
    if op in ("in", "nin") and (not isinstance(value, list) or not 0 < len(value) <= MAX_LIST):
        raise FilterError(where, Text(N_("op %(op)s takes a non-empty list (at most %(max_list)s "
                                         "values)"),
                                      {"op": op, "max_list": MAX_LIST}))
    for item in values:
        if not _is_scalar(item):
            raise FilterError(where, N_("expected text, a number or true/false"))
        _check_scalar(spec, name, op, item, where)


def _check_scalar(spec: FieldSpec, name: str, op: str, item: Any, where: str) -> None:
    text_kinds = ("text", "enum", "tags", "consent", "date")
    if spec.kind in text_kinds and not isinstance(item, str):
        raise FilterError(where, Text(N_("field %(name)s takes text values"),
                                      {"name": repr(name)}))
    if spec.values and item not in spec.values:
        raise FilterError(where, Text(N_("%(item)s is not a value of %(name)s: %(values)s"),
                                      {"item": repr(item), "name": repr(name),
                                       "values": list(spec.values)}))
    if spec.kind == "date":
        try:
            date.fromisoformat(item)
        except ValueError as exc:
            raise FilterError(where, Text(N_("%(name)s takes dates as YYYY-MM-DD"),
                                          {"name": repr(name)})) from exc
    if spec.kind in ("age", "money") and (isinstance(item, bool)
                                          or not isinstance(item, int | float)):
        raise FilterError(where, Text(N_("field %(name)s takes a number"),
                                      {"name": repr(name)}))
    if spec.kind == "age" and not 0 <= item <= 150:
        raise FilterError(where, N_("age must be between 0 and 150"))
    if spec.kind == "datetime":
        if not isinstance(item, str):
            raise FilterError(where, Text(N_("field %(name)s takes an ISO date or date-time"),
                                          {"name": repr(name)}))
        parse_instant(item, where)
    if spec.kind == "any" and op in _ORDER and isinstance(item, bool):
        raise FilterError(where, Text(N_("op %(op)s does not order true/false"),
                                      {"op": op}))
    if op == "contains" and not isinstance(item, str):
        raise FilterError(where, N_("op contains takes text"))
    if isinstance(item, str) and len(item) > 500:
        raise FilterError(where, N_("values are at most 500 characters"))


def parse_instant(text: str, where: str = "value") -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FilterError(where, Text(N_("not an ISO date or date-time: %(text)s"),
                                      {"text": repr(text[:40])})) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- the normalised form the stores compile -------------------------------------------------

CmpOp = Literal["eq", "in", "gt", "gte", "lt", "lte", "exists", "contains"]


@dataclass(frozen=True, slots=True)
class Target:
    source: Source
    path: tuple[str, ...] = ()
    period: tuple[datetime | None, datetime | None] = (None, None)  # revenue only


@dataclass(frozen=True, slots=True)
class Cmp:
    """`exists` has value None; `in` a tuple of scalars; others one scalar (or datetime)."""

    target: Target
    op: CmpOp
    value: Any = None


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Predicate


Predicate = Cmp | And | Or | Not
MATCH_ALL: Predicate = And(())


def plan(filter_: Filter | None, now: datetime) -> Predicate:
    """The store-ready predicate for `filter_` at instant `now` (None: every person)."""
    if filter_ is None:
        return MATCH_ALL
    if isinstance(filter_, AllOf):
        return And(tuple(plan(item, now) for item in filter_.all))
    if isinstance(filter_, AnyOf):
        return Or(tuple(plan(item, now) for item in filter_.any))
    if isinstance(filter_, NotOf):
        return Not(plan(filter_.not_, now))
    return _plan_condition(filter_, now)


def _plan_condition(c: Condition, now: datetime) -> Predicate:
    spec = field_spec(c.field)
    assert spec is not None  # parse_filter checked it
    target = Target(spec.source, spec.path, _period(c.period, now) if c.period else (None, None))
    op, value = c.op, c.value
    if op in ("ne", "nin"):
        return Not(_plan_condition(c.model_copy(update={"op": "eq" if op == "ne" else "in"}),
                                   now))
    if op == "exists":
        positive = Cmp(target, "exists")
        return positive if value else Not(positive)
    if spec.kind == "age":
        return _age(target, op, value, now.date())
    if spec.kind == "consent":
        return Cmp(target, "in", tuple(value) if op == "in" else (value,))
    if spec.kind == "money":
        minor = round(float(value) * 100)
        return Cmp(target, op, minor)  # type: ignore[arg-type]
    if spec.kind == "datetime":
        if op == "within_days":
            return Cmp(target, "gte", now - timedelta(days=value))
        if op == "older_than_days":
            return Cmp(target, "lt", now - timedelta(days=value))
        return Cmp(target, op, parse_instant(value))  # type: ignore[arg-type]
    if op == "in":
        return Cmp(target, "in", tuple(value))
    return Cmp(target, op, value)  # type: ignore[arg-type]


def _period(period: Period, now: datetime) -> tuple[datetime | None, datetime | None]:
    if period.days is not None:
        return now - timedelta(days=period.days), None
    start = datetime.combine(period.from_, datetime.min.time(), UTC) if period.from_ else None
    end = datetime.combine(period.to, datetime.min.time(), UTC) if period.to else None
    return start, end


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _age(target: Target, op: str, value: Any, today: date) -> Predicate:
    """Age in whole years as birth-date bounds: age >= n  <=>  born on or before today-n y."""
    if op == "in":
        return Or(tuple(_age(target, "eq", item, today) for item in value))
    n = int(value) if float(value).is_integer() else value

    def at_least(years: int) -> Cmp:
        return Cmp(target, "lte", _years_before(today, years).isoformat())

    def at_most(years: int) -> Cmp:
        return Cmp(target, "gt", _years_before(today, years + 1).isoformat())

    if isinstance(n, float):  # a fractional bound: age > 30.5 is age >= 31
        lower, upper = int(n) + 1, int(n)
        bounds = {"gt": at_least(lower), "gte": at_least(lower), "lt": at_most(upper),
                  "lte": at_most(upper)}
        return bounds.get(op, And((at_least(lower), at_most(upper))))  # eq: never true
    bounds = {"gt": at_least(n + 1), "gte": at_least(n), "lt": at_most(n - 1),
              "lte": at_most(n)}
    return bounds[op] if op in bounds else And((at_least(n), at_most(n)))


def sources_of(predicate: Predicate) -> set[Source]:
    """The sources a predicate reads (a backend joins only what is needed)."""
    if isinstance(predicate, Cmp):
        return {predicate.target.source}
    if isinstance(predicate, Not):
        return sources_of(predicate.item)
    found: set[Source] = set()
    for item in predicate.items:
        found |= sources_of(item)
    return found


def value_kind(value: Any) -> ValueKind:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, datetime):
        return "datetime"
    return "text"

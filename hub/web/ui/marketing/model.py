"""What the marketing pages compute from the services, without aiohttp: the field catalogue
for the segment builder, a plain form's rows turned into a filter, and a campaign's reach
per channel (with skips and their reasons) before launch."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from campaigns.engine.choose import choose_channel
from hub.domain.campaigns import Campaign
from hub.domain.common import utcnow
from hub.domain.segments import FIELDS, MATCH_ALL, OPS, FilterError, field_spec, parse_filter, plan
from hub.errors import InvalidInput
from hub.ports import Store

MAX_FILTER_TEXT = 20_000
ROWS = 4
REACH_CAP = 5000
ATTRIBUTE_SAMPLE = 200
OP_LABELS = {"eq": "is", "ne": "is not", "in": "is one of", "nin": "is none of", "gt": ">",
             "gte": "≥", "lt": "<", "lte": "≤", "exists": "exists", "contains": "contains",
             "within_days": "within the last … days", "older_than_days": "more than … days ago"}
GROUP_LABELS = {"all": "all of", "any": "any of", "none": "none of"}


@dataclass(frozen=True, slots=True)
class FieldChoice:
    name: str
    group: str
    kind: str
    values: tuple[str, ...]
    doc: str


def _group(name: str) -> str:
    if name.startswith("household."):
        return "Household"
    if name.startswith("organisation."):
        return "Organisation"
    if name.startswith("consent."):
        return "Consent"
    if name.startswith("attributes."):
        return "Attributes (seen in the data)"
    if name in ("pyramid_tier", "revenue", "last_contact", "last_inbound"):
        return "Derived"
    return "Person"


async def field_catalogue(store: Store) -> list[FieldChoice]:
    """The fields of the filter language plus person attribute keys found in the data."""
    choices = [FieldChoice(name, _group(name), spec.kind, spec.values, spec.doc)
               for name, spec in FIELDS.items()]
    seen: set[str] = set()
    for person in await store.persons.find_matching(MATCH_ALL, limit=ATTRIBUTE_SAMPLE):
        seen.update(k for k in person.attributes if k != "pyramid_tier")
    for key in sorted(seen):
        name = f"attributes.{key}"
        if field_spec(name) is not None:
            choices.append(FieldChoice(name, _group(name), "any", (), "attribute"))
    return choices


def catalogue_json(choices: list[FieldChoice]) -> str:
    """For the builder script (in a data- attribute, so no inline script)."""
    return json.dumps({"fields": [{"name": c.name, "group": c.group, "kind": c.kind,
                                   "values": list(c.values), "doc": c.doc} for c in choices],
                       "ops": {op: OP_LABELS[op] for op in OPS}})


def _scalar(kind: str, raw: str) -> Any:
    raw = raw.strip()
    if kind in ("age", "money"):
        try:
            number = float(raw)
        except ValueError as exc:
            raise InvalidInput(f"{raw[:40]!r} is not a number") from exc
        return int(number) if number.is_integer() else number
    if kind == "any":
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        for kind_ in (int, float):
            try:
                return kind_(raw)
            except ValueError:
                pass
    return raw


def condition(name: str, op: str, raw: str) -> dict[str, Any]:
    """One builder row as a filter condition, the value typed by the field's kind."""
    spec = field_spec(name)
    if spec is None:
        raise FilterError("field", f"unknown field {name[:100]!r}")
    if op == "exists":
        value: Any = raw.strip().lower() not in ("false", "no", "0")
    elif op in ("within_days", "older_than_days"):
        try:
            value = int(raw.strip())
        except ValueError as exc:
            raise InvalidInput(f"{op} takes a whole number of days") from exc
    elif op in ("in", "nin"):
        value = [_scalar(spec.kind, part) for part in raw.split(",") if part.strip()]
    else:
        value = _scalar(spec.kind, raw)
    return {"field": name, "op": op, "value": value}


def filter_from_form(form: Any) -> dict[str, Any]:
    """The filter a page form describes: the builder's JSON (`filter`, sent by the script or
    typed by hand) when `mode` is json, else the plain rows `field_N/op_N/value_N` joined by
    `match` (all, any, none). An empty form matches everybody. Raises InvalidInput."""
    text = str(form.get("filter", "") or "")[:MAX_FILTER_TEXT].strip()
    if form.get("mode") == "json" or (text and not any(form.get(f"field_{i}") for i in
                                                       range(ROWS))):
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput("the filter is not valid JSON") from exc
        if data == {}:
            return {}
        parse_filter(data)
        return data
    rows = []
    for i in range(ROWS):
        name = str(form.get(f"field_{i}", "") or "").strip()
        if name:
            rows.append(condition(name, str(form.get(f"op_{i}", "eq")),
                                  str(form.get(f"value_{i}", ""))[:2000]))
    if not rows:
        return {}
    match = str(form.get("match", "all"))
    built: dict[str, Any] = {"any": rows} if match == "any" else {"all": rows}
    if match == "none":
        built = {"not": {"any": rows}}
    parse_filter(built)
    return built


@dataclass(slots=True)
class Reach:
    audience: int = 0
    examined: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def capped(self) -> bool:
        return self.examined < self.audience

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


async def reach(store: Store, filter_: dict[str, Any], channels: list[str],
                *, require_opt_in: bool, template_channels: list[str] | None = None,
                cap: int = REACH_CAP) -> Reach:
    """Who each channel would reach, in the campaign's order, and who would be skipped and
    why: the engine's own channel choice over (at most `cap` of) the audience."""
    predicate = plan(parse_filter(filter_) if filter_ else None, utcnow())
    result = Reach(audience=await store.persons.count_matching(predicate))
    usable = template_channels if template_channels is not None else ["email", "sms"]
    probe = Campaign(id="reach", name="reach", filter=filter_, channels=channels or ["email"],
                     templates={c: "-" for c in usable}, require_opt_in=require_opt_in)
    after: str | None = None
    while result.examined < min(cap, result.audience):
        persons = await store.persons.find_matching(predicate, limit=500, after_id=after)
        if not persons:
            break
        after = persons[-1].id
        for person in persons[:cap - result.examined]:
            result.examined += 1
            choice = choose_channel(probe, person)
            if choice.channel:
                result.by_channel[choice.channel] += 1
            else:
                result.skipped[choice.reason or "no usable channel"] += 1
    return result

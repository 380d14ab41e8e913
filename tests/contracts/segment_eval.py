"""The segment semantics in plain Python: what every backend's compiled query must match."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.domain.events import Event
from hub.domain.parties import Household, Organisation, Person
from hub.domain.segments import CONTACT_CHANNELS, And, Cmp, Not, Or, Predicate, value_kind
from hub.domain.transactions import Transaction


@dataclass
class World:
    persons: list[Person]
    households: dict[str, Household] = field(default_factory=dict)
    organisations_of: dict[str, list[Organisation]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)

    def matching(self, predicate: Predicate) -> list[str]:
        return sorted(p.id for p in self.persons if p.is_active and self.holds(predicate, p))

    def holds(self, predicate: Predicate, person: Person) -> bool:
        if isinstance(predicate, And):
            return all(self.holds(item, person) for item in predicate.items)
        if isinstance(predicate, Or):
            return any(self.holds(item, person) for item in predicate.items)
        if isinstance(predicate, Not):
            return not self.holds(predicate.item, person)
        return self._cmp(predicate, person)

    def _cmp(self, cmp: Cmp, person: Person) -> bool:
        source, path = cmp.target.source, cmp.target.path
        if source == "person":
            return scalar_holds(dig(person.to_json(), path), cmp)
        if source == "household":
            household = self.households.get(person.household_id or "")
            return household is not None and scalar_holds(dig(household.to_json(), path), cmp)
        if source == "organisation":
            return any(scalar_holds(dig(o.to_json(), path), cmp)
                       for o in self.organisations_of.get(person.id, []))
        if source == "tags":
            if cmp.op == "exists":
                return bool(person.tags)
            values = cmp.value if cmp.op == "in" else (cmp.value,)
            return any(tag in values for tag in person.tags)
        if source in ("emails", "phones"):
            return bool(person.emails if source == "emails" else person.phones)
        if source == "consent":
            return person.consent_for(path[0]).status in cmp.value  # type: ignore[arg-type]
        if source == "revenue":
            start, end = cmp.target.period
            total = sum(t.amount_minor for t in self.transactions if t.person_id == person.id
                        and (start is None or t.occurred_at >= start)
                        and (end is None or t.occurred_at < end))
            return compare(total, cmp.op, cmp.value)
        times = [e.occurred_at for e in self.events if e.person_id == person.id
                 and e.channel in CONTACT_CHANNELS
                 and (source == "last_contact" or e.direction == "inbound")]
        last = max(times) if times else None
        if cmp.op == "exists":
            return last is not None
        return last is not None and compare(last, cmp.op, cmp.value)


def dig(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def compare(a: Any, op: str, b: Any) -> bool:
    return {"eq": a == b, "gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def scalar_holds(value: Any, cmp: Cmp) -> bool:
    if value is None:
        return False
    if cmp.op == "exists":
        return True
    if cmp.op == "contains":
        return isinstance(value, str) and cmp.value.lower() in value.lower()
    if cmp.op == "in":
        return any(scalar_holds(value, Cmp(cmp.target, "eq", item)) for item in cmp.value)
    expected = cmp.value
    if isinstance(expected, datetime):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif value_kind(value) != value_kind(expected):
        return False
    return compare(value, cmp.op, expected)

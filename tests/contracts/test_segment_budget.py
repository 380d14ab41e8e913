"""Segment reads with a time budget: a budget that suffices changes no answer on any backend,
and an `in` list of 500 values (one IN term on SQLite) matches exactly its members."""

from __future__ import annotations

from hub.domain.common import utcnow
from hub.domain.segments import parse_filter, plan
from hub.ports import Store
from tests.contracts import factories as f


async def test_a_sufficient_budget_changes_nothing(store: Store) -> None:
    names = [f"Person {n}" for n in range(30)]
    for name in names:
        await store.persons.insert(f.person(name=name))
    wanted = [f"Person {n}" for n in range(0, 30, 3)] + [f"nobody {n}" for n in range(490)]
    for code in (1, "1", True, 2.5, "x"):
        await store.persons.insert(f.person(name=f"code {code!r}", attributes={"code": code}))
    predicate = plan(parse_filter({"any": [
        {"field": "name", "op": "in", "value": wanted},
        {"field": "attributes.code", "op": "in", "value": [1, "x", 2.5]}]}), utcnow())
    count = await store.persons.count_matching(predicate)
    assert count == 13
    assert await store.persons.count_matching(predicate, budget=30.0) == count
    found = await store.persons.find_matching(predicate, limit=50, budget=30.0)
    assert sorted(p.name for p in found) == sorted([*wanted[:10], "code 1", "code 2.5", "code 'x'"])

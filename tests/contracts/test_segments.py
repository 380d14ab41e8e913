"""Segment filters compiled by each backend: a table of cases, and a property test against the
plain-Python semantics in `segment_eval` on random data sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.events import Event
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.segments import FilterError, parse_filter, plan
from hub.domain.transactions import Transaction
from hub.ports import Store
from tests.contracts.backends import Backend
from tests.contracts.checks import PROPERTY_SETTINGS
from tests.contracts.segment_eval import World

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def build_world(store: Store) -> World:
    rich = Household(id=new_id(), name="Rich", attributes={"income": "high", "size": 4},
                     address={"city": "Utrecht"})  # type: ignore[arg-type]
    poor = Household(id=new_id(), name="Modest", attributes={"income": "low"})
    acme = Organisation(id=new_id(), name="Acme BV", industry="retail",
                        attributes={"employees": 50})
    globex = Organisation(id=new_id(), name="Globex", industry="energy")
    opted_in = ConsentState(status="opted_in", source="test")
    opted_out = ConsentState(status="opted_out", source="test")
    people = [
        Person(id=new_id(), name="Anna", gender="female", birth_date=date(1986, 3, 1),
               household_id=rich.id, income_band="high", tags=["vip", "news"],
               emails=["anna@example.org"], consent={"email": opted_in},
               attributes={"visits": 7, "member": True, "segment": "Gold"}),
        Person(id=new_id(), name="Bert", gender="male", birth_date=date(1960, 1, 1),
               household_id=poor.id, phones=["+31612345678"], preferred_channel="sms",
               consent={"email": opted_out, "sms": opted_in}, attributes={"visits": "7"}),
        Person(id=new_id(), name="Carla", gender="female", birth_date=date(1996, 6, 2),
               household_id=rich.id, emails=["carla@example.org"], tags=["news"],
               attributes={"visits": 2.5, "member": False}),
        Person(id=new_id(), name="Dirk", customer_status="customer"),
        Person(id=new_id(), name="Erased Eve", gender="female",
               erased_at=NOW - timedelta(days=1)),
    ]
    for record in (rich, poor):
        await store.households.insert(record)
    for org in (acme, globex):
        await store.organisations.insert(org)
    for person in people:
        await store.persons.insert(person)
    anna, bert, carla, dirk = people[:4]
    await store.roles.insert(Role(id=new_id(), person_id=anna.id, organisation_id=acme.id))
    await store.roles.insert(Role(id=new_id(), person_id=anna.id, organisation_id=globex.id))
    await store.roles.insert(Role(id=new_id(), person_id=dirk.id, organisation_id=globex.id))
    events = [
        Event(id=new_id(), person_id=anna.id, channel="email", direction="inbound",
              occurred_at=NOW - timedelta(days=10)),
        Event(id=new_id(), person_id=bert.id, channel="sms", direction="outbound",
              occurred_at=NOW - timedelta(days=200)),
        Event(id=new_id(), person_id=carla.id, channel="note", direction="internal",
              occurred_at=NOW - timedelta(days=1)),
    ]
    for event in events:
        await store.events.append(event)
    transactions = [
        Transaction(id=new_id(), external_id=new_id(), person_id=anna.id, amount_minor=15000,
                    occurred_at=NOW - timedelta(days=30)),
        Transaction(id=new_id(), external_id=new_id(), person_id=anna.id, amount_minor=5000,
                    occurred_at=NOW - timedelta(days=400)),
        Transaction(id=new_id(), external_id=new_id(), person_id=bert.id, amount_minor=2000,
                    occurred_at=NOW - timedelta(days=5)),
    ]
    await store.transactions.append_many(transactions)
    return World(persons=people, households={h.id: h for h in (rich, poor)},
                 organisations_of={anna.id: [acme, globex], dirk.id: [globex]},
                 events=events, transactions=transactions)


CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"field": "gender", "op": "eq", "value": "female"}, {"Anna", "Carla"}),
    ({"field": "gender", "op": "ne", "value": "female"}, {"Bert", "Dirk"}),
    ({"field": "age", "op": "gte", "value": 30}, {"Anna", "Bert"}),
    ({"all": [{"field": "age", "op": "gte", "value": 30},
              {"field": "age", "op": "lte", "value": 50}]}, {"Anna"}),
    ({"field": "age", "op": "eq", "value": 29}, {"Carla"}),
    ({"field": "household.attributes.income", "op": "eq", "value": "high"}, {"Anna", "Carla"}),
    ({"field": "household.address.city", "op": "contains", "value": "utr"}, {"Anna", "Carla"}),
    ({"field": "household.name", "op": "ne", "value": "Rich"}, {"Bert", "Dirk"}),
    ({"field": "organisation.name", "op": "eq", "value": "Globex"}, {"Anna", "Dirk"}),
    ({"field": "organisation.attributes.employees", "op": "gt", "value": 10}, {"Anna"}),
    ({"field": "organisation.industry", "op": "nin", "value": ["energy"]}, {"Bert", "Carla"}),
    ({"field": "attributes.visits", "op": "eq", "value": 7}, {"Anna"}),
    ({"field": "attributes.visits", "op": "gte", "value": 2}, {"Anna", "Carla"}),
    ({"field": "attributes.visits", "op": "eq", "value": "7"}, {"Bert"}),
    ({"field": "attributes.member", "op": "eq", "value": True}, {"Anna"}),
    ({"field": "attributes.member", "op": "exists", "value": False}, {"Bert", "Dirk"}),
    ({"field": "attributes.segment", "op": "contains", "value": "OL"}, {"Anna"}),
    ({"field": "tags", "op": "contains", "value": "news"}, {"Anna", "Carla"}),
    ({"field": "tags", "op": "nin", "value": ["vip"]}, {"Bert", "Carla", "Dirk"}),
    ({"field": "tags", "op": "exists", "value": False}, {"Bert", "Dirk"}),
    ({"field": "email", "op": "exists", "value": True}, {"Anna", "Carla"}),
    ({"field": "consent.email", "op": "eq", "value": "unknown"}, {"Carla", "Dirk"}),
    ({"field": "consent.email", "op": "ne", "value": "opted_out"}, {"Anna", "Carla", "Dirk"}),
    ({"field": "last_contact", "op": "within_days", "value": 90}, {"Anna"}),
    ({"not": {"field": "last_contact", "op": "within_days", "value": 90}},
     {"Bert", "Carla", "Dirk"}),
    ({"field": "last_contact", "op": "older_than_days", "value": 90}, {"Bert"}),
    ({"field": "last_inbound", "op": "exists", "value": True}, {"Anna"}),
    ({"field": "revenue", "op": "gte", "value": 100, "period": {"days": 365}}, {"Anna"}),
    ({"field": "revenue", "op": "gte", "value": 100}, {"Anna"}),
    ({"field": "revenue", "op": "lt", "value": 50, "period": {"days": 90}},
     {"Bert", "Carla", "Dirk"}),
    ({"field": "revenue", "op": "gt", "value": 0,
      "period": {"from": "2026-05-01", "to": "2026-06-01"}}, {"Anna", "Bert"}),
    ({"any": [{"field": "name", "op": "eq", "value": "Dirk"},
              {"not": {"any": [{"field": "gender", "op": "eq", "value": "female"},
                               {"field": "preferred_channel", "op": "exists", "value": True}]}}]},
     {"Dirk"}),
    ({"field": "customer_status", "op": "in", "value": ["customer", "lost"]}, {"Dirk"}),
    ({"field": "birth_date", "op": "lt", "value": "1970-01-01"}, {"Bert"}),
    ({"field": "name", "op": "contains", "value": "eve"}, set()),  # erased persons never match
]


@pytest.mark.parametrize("filter_, expected", CASES, ids=[str(i) for i in range(len(CASES))])
async def test_filter_cases(store: Store, filter_: dict[str, Any], expected: set[str]) -> None:
    world = await build_world(store)
    predicate = plan(parse_filter(filter_), NOW)
    names = {p.id: p.name for p in world.persons}
    found = await store.persons.find_matching(predicate, limit=100)
    assert {names[p.id] for p in found} == expected
    assert [p.id for p in found] == world.matching(predicate)
    assert await store.persons.count_matching(predicate) == len(expected)


async def test_paging_in_id_order(store: Store) -> None:
    await build_world(store)
    predicate = plan(None, NOW)
    first = await store.persons.find_matching(predicate, limit=2)
    rest = await store.persons.find_matching(predicate, limit=10, after_id=first[-1].id)
    ids = [p.id for p in first + rest]
    assert ids == sorted(ids) and len(ids) == 4


@pytest.mark.parametrize("bad, where", [
    ({"field": "password", "op": "eq", "value": "x"}, "filter.field"),
    ({"field": "age", "op": "regex", "value": "x"}, "filter.op"),
    ({"field": "tags", "op": "gt", "value": "x"}, "filter.op"),
    ({"all": [{"field": "gender", "op": "eq", "value": "robot"}]}, "filter.all[0].value"),
    ({"field": "attributes.$where", "op": "eq", "value": 1}, "filter.field"),
    ({"field": "name", "op": "eq", "value": {"$ne": None}}, "filter.value"),
    ({"$or": []}, "filter"),
    ({"all": []}, "filter.all"),
    ({"field": "age", "op": "in", "value": 3}, "filter.value"),
])
def test_bad_filters_name_the_problem(bad: dict[str, Any], where: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(bad)
    assert info.value.details["where"] == where


# --- property test: compiled query == Python semantics on random data ---------------------

TEXTS = st.sampled_from(["a", "b", "Ab", "ba"])
SCALARS = st.one_of(TEXTS, st.integers(-2, 2), st.sampled_from([0.5, 1.0]), st.booleans())
ATTRS = st.dictionaries(st.sampled_from(["k", "m"]), SCALARS, max_size=2)

persons_st = st.lists(st.fixed_dictionaries({
    "gender": st.sampled_from([None, "female", "male"]),
    "tags": st.lists(TEXTS, max_size=2, unique=True),
    "attributes": ATTRS,
    "consent": st.sampled_from([{}, {"email": "opted_in"}, {"email": "opted_out"}]),
    "household": st.sampled_from([None, 0, 1]),
    "org": st.sampled_from([None, 0, 1]),
    "contact_days": st.sampled_from([None, 5, 100]),
    "revenue": st.sampled_from([0, 1000, 50000]),
}), min_size=1, max_size=8)

FIELD_VALUE = st.one_of(
    st.tuples(st.just("gender"), st.sampled_from(["eq", "ne", "exists"]),
              st.sampled_from(["female", "male"])),
    st.tuples(st.sampled_from(["attributes.k", "household.attributes.k",
                               "organisation.attributes.k"]),
              st.sampled_from(["eq", "ne", "gt", "lte", "exists", "contains", "in"]), SCALARS),
    st.tuples(st.just("tags"), st.sampled_from(["contains", "nin", "exists"]), TEXTS),
    st.tuples(st.just("consent.email"), st.sampled_from(["eq", "ne"]),
              st.sampled_from(["opted_in", "opted_out", "unknown"])),
    st.tuples(st.just("last_contact"), st.sampled_from(["within_days", "older_than_days"]),
              st.sampled_from([30, 365])),
    st.tuples(st.just("revenue"), st.sampled_from(["gte", "lt"]), st.sampled_from([0, 10, 100])),
)


def _condition(item: tuple[str, str, Any]) -> dict[str, Any]:
    field_, op, value = item
    if op == "exists":
        value = bool(value) if isinstance(value, bool) else True
    elif op in ("in", "nin"):
        value = [value]
    elif op == "contains" and not isinstance(value, str):
        value = "a"
    elif op in ("gt", "lte") and isinstance(value, bool):
        value = 1
    return {"field": field_, "op": op, "value": value}


filters_st = st.recursive(
    FIELD_VALUE.map(_condition),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"any": items}),
        inner.map(lambda item: {"not": item})),
    max_leaves=5)


@settings(PROPERTY_SETTINGS, max_examples=25, suppress_health_check=list(HealthCheck))
@given(data=persons_st, filters=st.lists(filters_st, min_size=1, max_size=4))
async def test_compiled_query_matches_python(
    backend: Backend, data: list[dict[str, Any]], filters: list[dict[str, Any]]
) -> None:
    async with backend.fresh() as store:
        households = [Household(id=new_id(), attributes={"k": v}) for v in ("a", 1)]
        orgs = [Organisation(id=new_id(), name="o", attributes={"k": v}) for v in (True, "Ab")]
        for household in households:
            await store.households.insert(household)
        for org in orgs:
            await store.organisations.insert(org)
        world = World(persons=[], households={h.id: h for h in households})
        for row in data:
            person = Person(
                id=new_id(), gender=row["gender"], tags=row["tags"],
                attributes=row["attributes"],
                consent={k: ConsentState(status=v) for k, v in row["consent"].items()},
                household_id=None if row["household"] is None
                else households[row["household"]].id)
            await store.persons.insert(person)
            world.persons.append(person)
            if row["org"] is not None:
                org = orgs[row["org"]]
                await store.roles.insert(Role(id=new_id(), person_id=person.id,
                                              organisation_id=org.id))
                world.organisations_of[person.id] = [org]
            if row["contact_days"] is not None:
                event = Event(id=new_id(), person_id=person.id, channel="sms",
                              direction="inbound",
                              occurred_at=NOW - timedelta(days=row["contact_days"]))
                await store.events.append(event)
                world.events.append(event)
            if row["revenue"]:
                tx = Transaction(id=new_id(), external_id=new_id(), person_id=person.id,
                                 amount_minor=row["revenue"], occurred_at=NOW - timedelta(days=3))
                await store.transactions.append_many([tx])
                world.transactions.append(tx)
        for filter_ in filters:
            predicate = plan(parse_filter(filter_), NOW)
            found = [p.id for p in await store.persons.find_matching(predicate, limit=100)]
            assert found == world.matching(predicate), filter_
            assert await store.persons.count_matching(predicate) == len(found)

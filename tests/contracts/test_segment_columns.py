"""Segment filters on person and household fields a store may keep beside the document (issue
20; SQLite: the persons' demographic columns, the households' city and `person_tags`, kept on
every write). Each write that changes them is followed at once by the count a user would see,
through the set-based and the per-person query, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hub.domain.parties import Address, Person
from hub.domain.segments import parse_filter, plan
from hub.ports import ContactBatch, Store
from tests.contracts import factories as f
from tests.contracts.test_segment_facts import matching

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def tagged(tag: str) -> dict[str, Any]:
    return {"field": "tags", "op": "contains", "value": tag}


def untagged(tag: str) -> dict[str, Any]:
    return {"field": "tags", "op": "nin", "value": [tag]}


async def count(store: Store, filter_: dict[str, Any], persons: list[Person]) -> set[str]:
    """`matching`, and the store's count agrees with it."""
    names = await matching(store, filter_, persons)
    assert await store.persons.count_matching(plan(parse_filter(filter_), NOW)) == len(names)
    return names


async def test_tags_follow_adds_removals_merges_unmerges_and_erasure(store: Store) -> None:
    anna = f.person(name="Anna", tags=["vip"])
    bert = f.person(name="Bert", tags=["no-mail", "vip", "vip"])
    cor = f.person(name="Cor")
    for person in (anna, bert, cor):
        await store.persons.insert(person)
    people = [anna, bert, cor]
    assert await count(store, tagged("vip"), people) == {"Anna", "Bert"}
    assert await count(store, untagged("no-mail"), people) == {"Anna", "Cor"}
    # added and removed by a replace
    cor = cor.model_copy(update={"tags": ["vip"]})
    await store.persons.replace(cor)
    bert = bert.model_copy(update={"tags": ["no-mail"]})
    await store.persons.replace(bert)
    assert await count(store, tagged("vip"), people) == {"Anna", "Cor"}
    # a merge: the survivor gets the duplicate's tags, the duplicate becomes a redirect
    survivor = anna.model_copy(update={"tags": ["vip", "no-mail"]})
    await store.persons.replace(survivor)
    await store.persons.replace(Person(id=bert.id, name=bert.name, merged_into=anna.id))
    assert await count(store, tagged("no-mail"), people) == {"Anna"}
    assert await count(store, untagged("no-mail"), people) == {"Cor"}
    # unmerged: both as they were before
    await store.persons.replace(anna)
    await store.persons.replace(bert)
    assert await count(store, tagged("no-mail"), people) == {"Bert"}
    # erased: the profile is blanked, its tags with it
    await store.persons.replace(Person(id=cor.id, name="", erased_at=NOW))
    assert await count(store, tagged("vip"), people) == {"Anna"}
    # a contact batch writes new and changed persons in bulk
    dirk = f.person(name="Dirk", tags=["vip"])
    await store.contact_batches.write(ContactBatch(
        new_persons=[dirk], changed_persons=[bert.model_copy(update={"tags": ["vip"]})]))
    people.append(dirk)
    assert await count(store, tagged("vip"), people) == {"Anna", "Bert", "Dirk"}
    assert await count(store, {"field": "tags", "op": "in", "value": ["no-mail", "vip"]},
                       people) == {"Anna", "Bert", "Dirk"}


async def test_demographics_follow_every_write_of_a_person(store: Store) -> None:
    anna = f.person(name="Anna", birth_date=date(1990, 5, 1), language="nl", gender="female")
    bert = f.person(name="Bert", birth_date=date(1950, 5, 1), language="en",
                    customer_status="customer")
    for person in (anna, bert):
        await store.persons.insert(person)
    people = [anna, bert]
    young = {"field": "age", "op": "lt", "value": 50}
    dutch = {"field": "language", "op": "eq", "value": "nl"}
    assert await count(store, young, people) == {"Anna"}
    assert await count(store, dutch, people) == {"Anna"}
    await store.persons.replace(bert.model_copy(update={"birth_date": date(2000, 1, 1),
                                                        "language": "nl"}))
    assert await count(store, young, people) == {"Anna", "Bert"}
    assert await count(store, dutch, people) == {"Anna", "Bert"}
    assert await count(store, {"field": "language", "op": "contains", "value": "N"},
                       people) == {"Anna", "Bert"}
    await store.persons.replace(anna.model_copy(update={"birth_date": None, "gender": None,
                                                        "customer_status": "lost"}))
    assert await count(store, young, people) == {"Bert"}
    assert await count(store, {"field": "birth_date", "op": "exists", "value": False},
                       people) == {"Anna"}
    assert await count(store, {"field": "gender", "op": "ne", "value": "female"},
                       people) == {"Anna", "Bert"}
    assert await count(store, {"field": "customer_status", "op": "in",
                               "value": ["lost", "inactive"]}, people) == {"Anna"}


async def test_a_changed_household_city_changes_its_members_count(store: Store) -> None:
    home = f.household(name="Thuis", address=Address(city="Utrecht"))
    await store.households.insert(home)
    anna = f.person(name="Anna", household_id=home.id)
    bert = f.person(name="Bert")
    for person in (anna, bert):
        await store.persons.insert(person)
    people = [anna, bert]
    utrecht = {"field": "household.address.city", "op": "eq", "value": "Utrecht"}
    either = {"any": [utrecht, {"field": "household.address.city", "op": "eq",
                                "value": "Amsterdam"}]}
    assert await count(store, utrecht, people) == {"Anna"}
    await store.households.replace(home.model_copy(update={"address": Address(city="Amsterdam")}))
    assert await count(store, utrecht, people) == set()
    assert await count(store, either, people) == {"Anna"}
    assert await count(store, {"field": "household.address.city", "op": "ne",
                               "value": "Amsterdam"}, people) == {"Bert"}

"""Segment filters on facts a store may keep on write rather than compute on read (issue 20):
last contact and last inbound (SQLite: `person_facts`, kept by triggers on events) and consent
(SQLite: the persons' `consent_<channel>` columns). Each write path that changes them is
followed by the filters a user would run, counted over everyone (the set-based query) and
checked for the given persons (the per-person query), on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.domain.consent import ConsentState
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.ports import ContactBatch, Store
from tests.contracts import factories as f

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def contact(person: Person, days_ago: int, *, channel: str = "email",
            direction: str = "inbound", **overrides: Any) -> Event:
    return f.event(person.id, channel=channel, direction=direction,
                   occurred_at=_days_ago(days_ago), **overrides)


async def matching(store: Store, filter_: dict[str, Any], persons: list[Person]) -> set[str]:
    """Names of the persons matching `filter_`, the same through the set-based and the
    per-person query (asserted)."""
    predicate = plan(parse_filter(filter_), NOW)
    found = await store.persons.find_matching(predicate, limit=100)
    names = {p.id: p.name for p in persons}
    by_set = {names[p.id] for p in found if p.id in names}
    checked = await store.persons.matching_ids(predicate, [p.id for p in persons])
    assert {names[i] for i in checked} == by_set, filter_
    return by_set


def within(field: str, days: int) -> dict[str, Any]:
    return {"field": field, "op": "within_days", "value": days}


def older(field: str, days: int) -> dict[str, Any]:
    return {"field": field, "op": "older_than_days", "value": days}


def has(field: str, present: bool = True) -> dict[str, Any]:
    return {"field": field, "op": "exists", "value": present}


async def two_persons(store: Store) -> tuple[Person, Person]:
    anna, bert = f.person(name="Anna"), f.person(name="Bert")
    for person in (anna, bert):
        await store.persons.insert(person)
    return anna, bert


async def test_appended_events_raise_last_contact_never_lower_it(store: Store) -> None:
    anna, bert = await two_persons(store)
    people = [anna, bert]
    assert await matching(store, has("last_contact"), people) == set()
    await store.events.append(contact(anna, 200))
    assert await matching(store, older("last_contact", 90), people) == {"Anna"}
    assert await matching(store, within("last_inbound", 365), people) == {"Anna"}
    # a note is no contact; an older contact imported late does not make her lapse again
    await store.events.append(f.event(anna.id, occurred_at=_days_ago(1)))
    await store.events.append(contact(anna, 500, channel="call"))
    assert await matching(store, older("last_contact", 90), people) == {"Anna"}
    await store.events.append(contact(anna, 10, channel="sms", direction="outbound"))
    assert await matching(store, within("last_contact", 30), people) == {"Anna"}
    assert await matching(store, within("last_inbound", 30), people) == set()
    assert await matching(store, older("last_inbound", 90), people) == {"Anna"}
    assert await matching(store, has("last_contact", False), people) == {"Bert"}


async def test_a_replayed_event_is_not_a_second_contact(store: Store) -> None:
    anna, bert = await two_persons(store)
    first = contact(bert, 300, channel="sms", external_id="SM1")
    await store.events.append(first)
    replay = contact(bert, 1, channel="sms", external_id="SM1")
    stored, inserted = await store.events.append(replay)
    assert (stored.id, inserted) == (first.id, False)
    assert await matching(store, within("last_contact", 100), [anna, bert]) == set()
    assert await matching(store, older("last_contact", 100), [anna, bert]) == {"Bert"}


async def test_events_imported_in_bulk_count(store: Store) -> None:
    anna, bert = await two_persons(store)
    await store.events.append_many([contact(anna, 40), contact(anna, 5, channel="webform"),
                                    contact(bert, 400, direction="outbound")])
    batch_person = f.person(name="Cor")
    await store.contact_batches.write(ContactBatch(
        new_persons=[batch_person], events=[contact(batch_person, 2, channel="survey")]))
    people = [anna, bert, batch_person]
    assert await matching(store, within("last_contact", 30), people) == {"Anna", "Cor"}
    assert await matching(store, within("last_inbound", 365), people) == {"Anna", "Cor"}
    assert await matching(store, has("last_inbound", False), people) == {"Bert"}


async def test_a_merge_moves_the_facts_with_the_events(store: Store) -> None:
    anna, bert = await two_persons(store)
    await store.events.append_many([contact(anna, 5), contact(anna, 50, channel="call"),
                                    contact(bert, 100, direction="outbound")])
    await store.events.reassign_person(anna.id, bert.id)
    people = [anna, bert]
    assert await matching(store, within("last_contact", 30), people) == {"Bert"}
    assert await matching(store, within("last_inbound", 30), people) == {"Bert"}
    assert await matching(store, has("last_contact", False), people) == {"Anna"}


async def test_moving_the_newest_event_back_recomputes_what_is_left(store: Store) -> None:
    anna, bert = await two_persons(store)
    newest = contact(bert, 5)
    await store.events.append_many([
        newest, contact(bert, 50, channel="sms", direction="outbound"), contact(bert, 80),
        f.event(bert.id, occurred_at=_days_ago(1))])
    await store.events.reassign_ids([newest.id], anna.id)
    people = [anna, bert]
    assert await matching(store, within("last_contact", 30), people) == {"Anna"}
    assert await matching(store, within("last_contact", 60), people) == {"Anna", "Bert"}
    assert await matching(store, older("last_inbound", 60), people) == {"Bert"}
    assert await matching(store, within("last_inbound", 10), people) == {"Anna"}
    # and once every contact has left, nothing is left
    moved = await store.events.reassign_person(bert.id, anna.id)
    assert moved == 3
    assert await matching(store, has("last_contact", False), people) == {"Bert"}


async def test_erasing_a_persons_events_keeps_when_they_were_in_contact(store: Store) -> None:
    anna, bert = await two_persons(store)
    await store.events.append_many([contact(anna, 3), contact(bert, 200)])
    await store.events.erase_person(anna.id)
    people = [anna, bert]
    assert await matching(store, within("last_contact", 30), people) == {"Anna"}
    assert await matching(store, within("last_inbound", 30), people) == {"Anna"}


async def test_consent_follows_every_write_of_a_person(store: Store) -> None:
    opted_in = ConsentState(status="opted_in", source="test")
    opted_out = ConsentState(status="opted_out", source="test")
    anna = f.person(name="Anna")
    bert = f.person(name="Bert", consent={"sms": opted_in})
    for person in (anna, bert):
        await store.persons.insert(person)
    people = [anna, bert]
    sms = {"field": "consent.sms", "op": "in", "value": ["unknown", "pending"]}
    assert await matching(store, sms, people) == {"Anna"}
    anna = anna.model_copy(update={"consent": {"sms": opted_in, "email": opted_out}})
    await store.persons.replace(anna)
    assert await matching(store, sms, people) == set()
    assert await matching(store, {"field": "consent.email", "op": "eq", "value": "opted_out"},
                          people) == {"Anna"}
    bert = bert.model_copy(update={"consent": {}})
    cor = f.person(name="Cor", consent={"whatsapp": opted_in})
    await store.contact_batches.write(ContactBatch(new_persons=[cor], changed_persons=[bert]))
    people.append(cor)
    assert await matching(store, sms, people) == {"Bert", "Cor"}
    assert await matching(store, {"field": "consent.whatsapp", "op": "ne",
                                  "value": "unknown"}, people) == {"Cor"}


async def test_the_pyramid_tier_follows_refreshes_and_person_writes(store: Store) -> None:
    anna = f.person(name="Anna", attributes={"pyramid_tier": "top"})
    bert = f.person(name="Bert")
    cor = f.person(name="Cor", attributes={"pyramid_tier": 1})
    for person in (anna, bert, cor):
        await store.persons.insert(person)
    people = [anna, bert, cor]
    top = {"field": "pyramid_tier", "op": "in", "value": ["top", "large"]}
    assert await matching(store, top, people) == {"Anna"}
    assert await matching(store, {"field": "attributes.pyramid_tier", "op": "eq", "value": 1},
                          people) == {"Cor"}
    assert await matching(store, {"field": "pyramid_tier", "op": "ne", "value": "top"},
                          people) == {"Bert", "Cor"}
    await store.analytics.set_tiers("person", {bert.id: "large"}, default="prospect")
    assert await matching(store, top, people) == {"Bert"}
    assert await matching(store, {"field": "pyramid_tier", "op": "eq", "value": "prospect"},
                          people) == {"Anna", "Cor"}
    stored = await store.persons.get(anna.id)
    assert stored is not None
    await store.persons.replace(stored.model_copy(update={"attributes": {"pyramid_tier": "top"}}))
    assert await matching(store, top, people) == {"Anna", "Bert"}

"""store.topics, store.merges and moving named events and transactions back (unmerge), on
every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentState
from hub.domain.merges import MergeRecord
from hub.domain.topics import Topic
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record


async def test_topics_insert_get_replace_and_page(store: Store) -> None:
    first = Topic(id=new_id(), name="Nieuwsbrief", description="Elke maand")
    second = Topic(id=new_id(), name="Aanbiedingen")
    for topic in (first, second):
        await store.topics.insert(topic)
    assert_same_record(await store.topics.get(first.id), first)
    with pytest.raises(DuplicateKey):
        await store.topics.insert(first)
    renamed = first.model_copy(update={"name": "Newsletter"})
    await store.topics.replace(renamed)
    assert_same_record(await store.topics.get(first.id), renamed)
    assert [t.id for t in await store.topics.find()] == [first.id, second.id]
    assert [t.id for t in await store.topics.find(after_id=first.id)] == [second.id]
    assert await store.topics.get(new_id()) is None


def merge_record(survivor_id: str, duplicate_id: str, **overrides: object) -> MergeRecord:
    survivor = f.person(id=survivor_id, phones=["+31643056562"])
    duplicate = f.person(id=duplicate_id, phones=["+31611112222"], address_consent={
        "sms": [ConsentState(status="opted_in", address="+31611112222", source="api",
                             at=utcnow())]})
    fields: dict = {"id": new_id(), "survivor_id": survivor_id, "duplicate_id": duplicate_id,
                    "survivor_before": survivor, "duplicate_before": duplicate,
                    "identities": [f.identity(duplicate_id, "+31611112222", kind="phone")],
                    "roles": [f.role(duplicate_id, new_id())], "event_ids": [new_id()],
                    "transaction_ids": [new_id()], "by": "admin",
                    "expires_at": utcnow() + timedelta(days=30)}
    return MergeRecord(**(fields | overrides))


async def test_merges_round_trip_list_newest_first_and_delete_for_person(store: Store) -> None:
    keep, dup, other = new_id(), new_id(), new_id()
    older = merge_record(keep, dup)
    newer = merge_record(other, keep)
    unrelated = merge_record(other, new_id())
    for record in (older, newer, unrelated):
        await store.merges.insert(record)
    assert_same_record(await store.merges.get(older.id), older)
    assert [m.id for m in await store.merges.for_person(keep)] == [newer.id, older.id]
    assert [m.id for m in await store.merges.for_person(dup)] == [older.id]
    assert await store.merges.for_person(keep, limit=1) == [await store.merges.get(newer.id)]
    undone = older.model_copy(update={"undone_at": utcnow(), "undone_by": "admin"})
    await store.merges.replace(undone)
    assert_same_record(await store.merges.get(older.id), undone)
    assert await store.merges.delete_for_person(keep) == 2
    assert await store.merges.for_person(keep) == []
    assert [m.id for m in await store.merges.for_person(other)] == [unrelated.id]


async def test_reassign_ids_moves_only_the_named_events_and_transactions(store: Store) -> None:
    survivor, duplicate = new_id(), new_id()
    moved = [f.event(survivor) for _ in range(3)]
    kept = f.event(survivor)
    for event in [*moved, kept]:
        await store.events.append(event)
    assert await store.events.reassign_ids([e.id for e in moved], duplicate) == 3
    assert await store.events.count_for_person(duplicate) == 3
    assert await store.events.count_for_person(survivor) == 1
    stored = await store.events.get(moved[0].id)
    assert stored is not None and stored.person_id == duplicate
    assert await store.events.reassign_ids([], duplicate) == 0

    sales = [f.transaction(survivor) for _ in range(2)]
    await store.transactions.append_many(sales)
    assert await store.transactions.reassign_ids([sales[0].id], duplicate) == 1
    assert [t.id for t in await store.transactions.for_person(duplicate, limit=10)] == [
        sales[0].id]
    assert [t.id for t in await store.transactions.for_person(survivor, limit=10)] == [
        sales[1].id]


async def test_person_consent_per_address_and_topic_opt_outs_round_trip(store: Store) -> None:
    person = f.person(phones=["+31611112222", "+31643056562"], topic_opt_outs=[new_id()],
                      address_consent={"sms": [
                          ConsentState(status="opted_in", address="+31611112222",
                                       source="api", at=utcnow(), text="Ja, sms"),
                          ConsentState(status="opted_out", address="+31643056562",
                                       source="sms:STOP", at=utcnow())]})
    await store.persons.insert(person)
    assert_same_record(await store.persons.get(person.id), person)

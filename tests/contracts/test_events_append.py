"""store.events append/append_many/get: append-only, idempotent on (channel, external_id)."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record


async def test_append_then_get_returns_the_same_event(store: Store) -> None:
    event = f.full_event(new_id())
    stored, inserted = await store.events.append(event)
    assert inserted is True
    assert_same_record(stored, event)
    got = await store.events.get(event.id)
    assert_same_record(got, event)
    assert got is not None
    assert got.from_ == "anna@example.org"
    assert got.to_json()["from"] == "anna@example.org"
    assert got.occurred_at.microsecond == 123000


async def test_channel_specific_parts_round_trip(store: Store) -> None:
    person_id = new_id()
    events = [
        f.call_event(person_id),
        f.survey_event(person_id),
        f.form_event(person_id),
        f.event(None, organisation_id=new_id(), channel="system", direction="outbound"),
    ]
    for event in events:
        assert (await store.events.append(event))[1] is True
    for event in events:
        assert_same_record(await store.events.get(event.id), event)


async def test_get_unknown_id_is_none(store: Store) -> None:
    assert await store.events.get(new_id()) is None


async def test_append_again_with_the_same_key_returns_the_stored_event(store: Store) -> None:
    person_id = new_id()
    first = f.full_event(person_id, external_id="<m1@example.org>")
    replay = f.full_event(person_id, external_id="<m1@example.org>", subject="a retry")

    assert (await store.events.append(first))[1] is True
    stored, inserted = await store.events.append(replay)

    assert inserted is False
    assert_same_record(stored, first)
    assert await store.events.get(replay.id) is None
    assert await store.events.count_for_person(person_id) == 1


async def test_same_external_id_on_another_channel_is_another_event(store: Store) -> None:
    person_id = new_id()
    sms = f.event(person_id, channel="sms", direction="inbound", external_id="SM123")
    call = f.event(person_id, channel="call", direction="inbound", external_id="SM123")
    assert (await store.events.append(sms))[1] is True
    stored, inserted = await store.events.append(call)
    assert inserted is True
    assert_same_record(stored, call)
    assert await store.events.count_for_person(person_id) == 2


async def test_events_without_external_id_never_collide(store: Store) -> None:
    person_id = new_id()
    notes = [f.event(person_id, text=f"note {i}") for i in range(3)]
    for note in notes:
        assert (await store.events.append(note))[1] is True
    assert await store.events.append_many([f.event(person_id) for _ in range(2)]) == 2
    assert await store.events.count_for_person(person_id) == 5


async def test_append_many_skips_duplicates_and_counts_inserted(store: Store) -> None:
    person_id = new_id()
    already = f.event(person_id, channel="email", direction="inbound", external_id="<a@x>")
    await store.events.append(already)
    fresh = [f.event(person_id, channel="sms", direction="inbound", external_id=f"SM{i}")
             for i in range(4)]
    batch = [
        fresh[0],
        f.event(person_id, channel="email", direction="inbound", external_id="<a@x>"),
        fresh[1],
        f.event(person_id, channel="sms", direction="inbound", external_id="SM0"),  # in batch
        fresh[2],
        f.event(person_id),  # no key
        fresh[3],
    ]

    assert await store.events.append_many(batch) == 5

    assert await store.events.count_for_person(person_id) == 1 + 5
    for event in fresh:
        assert_same_record(await store.events.get(event.id), event)
    assert await store.events.get(batch[1].id) is None
    assert await store.events.get(batch[3].id) is None
    assert_same_record(await store.events.get(already.id), already)
    replay = [f.event(person_id, channel=e.channel, direction="inbound", external_id=e.external_id)
              for e in batch if e.external_id]
    assert await store.events.append_many(replay) == 0
    assert await store.events.count_for_person(person_id) == 6


async def test_append_many_of_nothing_is_zero(store: Store) -> None:
    assert await store.events.append_many([]) == 0


async def test_append_many_then_append_sees_the_key(store: Store) -> None:
    person_id = new_id()
    imported = f.call_event(person_id, external_id="CA42")
    assert await store.events.append_many([imported]) == 1
    stored, inserted = await store.events.append(f.call_event(person_id, external_id="CA42"))
    assert inserted is False
    assert_same_record(stored, imported)


async def test_count_for_person(store: Store) -> None:
    person_id = new_id()
    assert await store.events.count_for_person(person_id) == 0
    for _ in range(3):
        await store.events.append(f.event(person_id))
    await store.events.append(f.event(new_id()))
    await store.events.append(f.event(None, organisation_id=new_id()))
    assert await store.events.count_for_person(person_id) == 3

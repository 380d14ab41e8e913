"""store.events: status history, merge (reassign_person) and erasure."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import PERSONAL_EVENT_FIELDS, Event, StatusChange, TimelineQuery
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, assert_utc_ms, ids, newest_first

FIELD_NAMES = {"from": "from_"}
PERSONAL = {FIELD_NAMES.get(name, name) for name in PERSONAL_EVENT_FIELDS}
"""Erasure blanks these (model field names); everything else but `survey`/`erased` stays."""


async def test_add_status_appends_history_and_sets_status(store: Store) -> None:
    event = f.full_event(new_id(), status="queued", status_history=[])
    await store.events.append(event)
    sent = StatusChange(status="sent", at=f.at(10), detail="250 2.0.0 OK")
    delivered = StatusChange(status="delivered", at=f.at(20, ms=7))

    after_sent = await store.events.add_status(event.id, sent)
    assert after_sent is not None
    assert after_sent.status == "sent"
    assert after_sent.status_history == [sent]

    after_delivered = await store.events.add_status(event.id, delivered)
    expected = event.model_copy(update={"status": "delivered", "status_history": [sent, delivered]})
    assert_same_record(after_delivered, expected)
    assert_same_record(await store.events.get(event.id), expected)


async def test_add_status_keeps_earlier_history(store: Store) -> None:
    event = f.full_event(new_id())
    await store.events.append(event)
    change = StatusChange(status="read", at=f.at(30))
    updated = await store.events.add_status(event.id, change)
    assert updated is not None
    assert updated.status_history == [*event.status_history, change]
    for item in updated.status_history:
        assert_utc_ms(item.at)


async def test_add_status_to_a_missing_event_is_none(store: Store) -> None:
    assert await store.events.add_status(new_id(), StatusChange(status="sent")) is None


async def test_reassign_person_moves_the_timeline(store: Store) -> None:
    duplicate, survivor, bystander = new_id(), new_id(), new_id()
    moving = [f.full_event(duplicate), f.call_event(duplicate), f.event(duplicate)]
    kept = [f.event(survivor, occurred_at=f.at(-60))]
    other = f.event(bystander)
    for event in [*moving, *kept, other]:
        await store.events.append(event)

    assert await store.events.reassign_person(duplicate, survivor) == 3

    assert await store.events.count_for_person(duplicate) == 0
    assert await store.events.count_for_person(survivor) == 4
    assert await store.events.timeline(TimelineQuery(person_ids=[duplicate]), limit=10) == []
    found = await store.events.timeline(TimelineQuery(person_ids=[survivor]), limit=10)
    assert ids(found) == newest_first([*moving, *kept])
    for event in moving:
        assert_same_record(
            await store.events.get(event.id), event.model_copy(update={"person_id": survivor})
        )
    assert_same_record(await store.events.get(other.id), other)
    assert await store.events.reassign_person(duplicate, survivor) == 0


async def test_reassigned_event_keeps_its_dedupe_key(store: Store) -> None:
    duplicate, survivor = new_id(), new_id()
    event = f.full_event(duplicate)
    await store.events.append(event)
    await store.events.reassign_person(duplicate, survivor)
    replay = f.full_event(survivor, external_id=event.external_id)
    stored, inserted = await store.events.append(replay)
    assert inserted is False
    assert stored.id == event.id


def _assert_erased(erased: Event | None, original: Event) -> None:
    assert erased is not None
    assert erased.erased is True
    for name in PERSONAL:
        assert not getattr(erased, name), f"{name} kept after erasure: {getattr(erased, name)!r}"
    kept = set(Event.model_fields) - PERSONAL - {"survey", "erased"}
    assert erased.model_dump(include=kept) == original.model_dump(include=kept)
    if original.survey is None:
        assert erased.survey is None
    else:
        assert erased.survey is not None
        assert erased.survey.comment is None
        assert erased.survey.survey_id == original.survey.survey_id
        assert erased.survey.score == original.survey.score


async def test_erase_person_blanks_personal_fields_and_keeps_the_figures(store: Store) -> None:
    person_id, other_id = new_id(), new_id()
    mine = [
        f.full_event(person_id),
        f.call_event(person_id),
        f.survey_event(person_id),
        f.form_event(person_id),
        f.event(person_id, author="kees", data={"note": "private"}),
    ]
    other = [f.full_event(other_id), f.survey_event(other_id)]
    for event in [*mine, *other]:
        await store.events.append(event)

    assert await store.events.erase_person(person_id) == len(mine)

    for event in mine:
        _assert_erased(await store.events.get(event.id), event)
    call = await store.events.get(mine[1].id)
    assert call is not None and call.call is not None
    assert (call.call.duration_s, call.call.wait_s) == (184, 31)
    for event in other:
        assert_same_record(await store.events.get(event.id), event)
    # the events still count and still sit on the timeline, in the same places
    assert await store.events.count_for_person(person_id) == len(mine)
    found = await store.events.timeline(TimelineQuery(person_ids=[person_id]), limit=10)
    assert ids(found) == newest_first(mine)
    assert all(e.erased for e in found)


async def test_erase_person_without_events_is_zero(store: Store) -> None:
    await store.events.append(f.event(new_id()))
    assert await store.events.erase_person(new_id()) == 0

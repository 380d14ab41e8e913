"""store.events.timeline: newest first by (occurred_at, id), keyset pages that never skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.common import new_id
from hub.domain.events import Event, TimelineCursor, TimelineQuery
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.backends import Backend
from tests.contracts.checks import (
    PROPERTY_SETTINGS,
    assert_same_record,
    flat,
    ids,
    newest_first,
    walk_timeline,
)


def _person(person_id: str) -> TimelineQuery:
    return TimelineQuery(person_ids=[person_id])


async def _append_all(store: Store, events: list[Event]) -> None:
    for event in events:
        assert (await store.events.append(event))[1] is True


async def test_newest_first(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(s)) for s in (30, -5, 120, 0, 59.999)]
    await _append_all(store, events)
    found = await store.events.timeline(_person(person_id), limit=10)
    assert ids(found) == newest_first(events)
    assert [e.occurred_at for e in found] == sorted((e.occurred_at for e in events), reverse=True)
    for event in found:
        assert_same_record(event, next(e for e in events if e.id == event.id))


async def test_milliseconds_order_events(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(ms=ms)) for ms in (2, 1, 3, 999, 1000)]
    await _append_all(store, events)
    assert ids(await store.events.timeline(_person(person_id), limit=10)) == newest_first(events)


async def test_ties_on_occurred_at_are_ordered_by_id_descending(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.T0) for _ in range(6)]
    events.append(f.event(person_id, occurred_at=f.at(ms=1)))
    events.append(f.event(person_id, occurred_at=f.at(ms=-1)))
    await _append_all(store, events[::-1])
    expected = newest_first(events)
    assert ids(await store.events.timeline(_person(person_id), limit=20)) == expected
    pages = await walk_timeline(store, _person(person_id), 2)
    assert [len(page) for page in pages] == [2, 2, 2, 2]
    assert ids(flat(pages)) == expected


async def test_before_is_strictly_older_than_the_position(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(s // 2)) for s in range(8)]
    await _append_all(store, events)
    expected = newest_first(events)
    for position in range(len(expected)):
        pivot = next(e for e in events if e.id == expected[position])
        cursor = TimelineCursor(occurred_at=pivot.occurred_at, id=pivot.id)
        older = await store.events.timeline(_person(person_id), limit=50, before=cursor)
        assert ids(older) == expected[position + 1 :]


async def test_before_a_position_that_is_not_an_event(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(s)) for s in range(5)]
    await _append_all(store, events)
    cursor = TimelineCursor(occurred_at=f.at(2, ms=500), id=new_id())
    older = await store.events.timeline(_person(person_id), limit=50, before=cursor)
    assert ids(older) == newest_first(events[:3])
    cursor = TimelineCursor(occurred_at=f.at(2), id="f" * 24)
    older = await store.events.timeline(_person(person_id), limit=50, before=cursor)
    assert ids(older) == newest_first(events[:3])
    cursor = TimelineCursor(occurred_at=f.at(2), id="0" * 24)
    older = await store.events.timeline(_person(person_id), limit=50, before=cursor)
    assert ids(older) == newest_first(events[:2])


async def test_120_events_in_pages_of_50(store: Store) -> None:
    person_id, other = new_id(), new_id()
    # groups of three share a time, so page boundaries fall inside ties
    events = [f.event(person_id, occurred_at=f.at(i // 3)) for i in range(120)]
    noise = [f.event(other, occurred_at=f.at(i)) for i in range(10)]
    await _append_all(store, [x for pair in zip(events[:10], noise, strict=True) for x in pair])
    await _append_all(store, events[10:])

    pages = await walk_timeline(store, _person(person_id), 50)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert ids(flat(pages)) == newest_first(events)
    assert len(set(ids(flat(pages)))) == 120


async def test_limit_caps_a_page(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(i)) for i in range(5)]
    await _append_all(store, events)
    assert ids(await store.events.timeline(_person(person_id), limit=2)) == newest_first(events)[:2]
    assert await store.events.timeline(_person(new_id()), limit=2) == []


async def test_household_timeline_merges_its_members(store: Store) -> None:
    members = [new_id() for _ in range(3)]
    outsider = new_id()
    events = [
        f.event(members[i % 3], occurred_at=f.at(i % 7)) for i in range(17)
    ]
    await _append_all(store, events)
    await _append_all(store, [f.event(outsider, occurred_at=f.at(i)) for i in range(5)])

    query = TimelineQuery(person_ids=members)
    assert ids(await store.events.timeline(query, limit=100)) == newest_first(events)
    pages = await walk_timeline(store, query, 4)
    assert ids(flat(pages)) == newest_first(events)

    two = TimelineQuery(person_ids=members[:2])
    expected = newest_first(e for e in events if e.person_id in members[:2])
    assert ids(flat(await walk_timeline(store, two, 3))) == expected


async def test_person_ids_edge_cases(store: Store) -> None:
    person_id = new_id()
    events = [f.event(person_id, occurred_at=f.at(i)) for i in range(3)]
    await _append_all(store, events)
    assert await store.events.timeline(TimelineQuery(person_ids=[]), limit=10) == []
    twice = TimelineQuery(person_ids=[person_id, person_id])
    assert ids(await store.events.timeline(twice, limit=10)) == newest_first(events)


async def test_times_far_from_now_order_and_round_trip(store: Store) -> None:
    person_id = new_id()
    times = [
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 1000, tzinfo=UTC),
        datetime(2199, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    ]
    events = [f.event(person_id, occurred_at=t, recorded_at=t) for t in times]
    await _append_all(store, events[::-1])
    found = await store.events.timeline(_person(person_id), limit=10)
    assert ids(found) == newest_first(events)
    for event in found:
        assert_same_record(event, next(e for e in events if e.id == event.id))


async def test_organisation_timeline(store: Store) -> None:
    organisation_id = new_id()
    anna, piet = new_id(), new_id()
    in_role = [
        f.event(anna, organisation_id=organisation_id, role_id=new_id(), occurred_at=f.at(i))
        for i in range(4)
    ] + [f.event(piet, organisation_id=organisation_id, occurred_at=f.at(i)) for i in range(3)]
    org_only = [f.event(None, organisation_id=organisation_id, channel="system",
                        direction="outbound", occurred_at=f.at(1))]
    private = [f.event(anna, occurred_at=f.at(i)) for i in range(3)]
    elsewhere = [f.event(piet, organisation_id=new_id(), occurred_at=f.at(2))]
    await _append_all(store, in_role + org_only + private + elsewhere)

    query = TimelineQuery(organisation_id=organisation_id)
    assert ids(await store.events.timeline(query, limit=100)) == newest_first(in_role + org_only)
    assert ids(flat(await walk_timeline(store, query, 3))) == newest_first(in_role + org_only)
    # a contact moment in a role is on the person's timeline too
    assert ids(await store.events.timeline(_person(anna), limit=100)) == newest_first(
        [e for e in in_role if e.person_id == anna] + private
    )


async def test_channel_filter(store: Store) -> None:
    person_id, organisation_id = new_id(), new_id()
    events = [
        f.event(person_id, organisation_id=organisation_id, channel=channel,
                direction="inbound", occurred_at=f.at(i))
        for i, channel in enumerate(["email", "sms", "email", "call", "email", "note", "sms"] * 3)
    ]
    await _append_all(store, events)
    emails = [e for e in events if e.channel == "email"]

    query = TimelineQuery(person_ids=[person_id], channel="email")
    assert ids(await store.events.timeline(query, limit=100)) == newest_first(emails)
    assert ids(flat(await walk_timeline(store, query, 4))) == newest_first(emails)

    by_org = TimelineQuery(organisation_id=organisation_id, channel="sms")
    sms = [e for e in events if e.channel == "sms"]
    assert ids(flat(await walk_timeline(store, by_org, 2))) == newest_first(sms)

    assert await store.events.timeline(
        TimelineQuery(person_ids=[person_id], channel="survey"), limit=10
    ) == []


@PROPERTY_SETTINGS
@given(
    offsets_ms=st.lists(st.integers(min_value=-5, max_value=5), min_size=0, max_size=40),
    scale_ms=st.sampled_from([1, 1000, 86_400_000]),
    page_size=st.integers(min_value=1, max_value=12),
    members=st.integers(min_value=1, max_value=3),
)
async def test_pages_concatenate_to_the_sorted_timeline(
    backend: Backend, offsets_ms: list[int], scale_ms: int, page_size: int, members: int
) -> None:
    person_ids = [new_id() for _ in range(members)]
    start = datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=f.T0.tzinfo)
    events = [
        f.event(person_ids[i % members], occurred_at=start + timedelta(milliseconds=o * scale_ms))
        for i, o in enumerate(offsets_ms)
    ]
    async with backend.fresh() as store:
        await _append_all(store, events)
        query = TimelineQuery(person_ids=person_ids)
        pages = await walk_timeline(store, query, page_size)
        assert ids(flat(pages)) == newest_first(events)
        assert all(len(page) == page_size for page in pages[:-1])

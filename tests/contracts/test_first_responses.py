"""Staff's first-response times of the KPIs (`kpi_figures().responses`) on each backend, after
every kind of write that changes them, against a plain walk in Python over the events as they
stand (issue 20: SQLite keeps the waits on the event rows, maintained on write; these are the
cases that maintenance must get right: an answer before the stretch, two questions then one
answer, an answer by call, a campaign send that is no answer, events written out of order, a
merge of two persons whose stretches interleave and its undo, erasure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event
from hub.ports import Store
from tests.support.response_walk import response_walk as walk

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def question(person: str, minutes: float, channel: str = "email") -> Event:
    return Event(id=new_id(), person_id=person, channel=channel, direction="inbound",
                 occurred_at=at(minutes))


def answer(person: str, minutes: float, channel: str = "email", **more: object) -> Event:
    return Event.model_validate({"id": new_id(), "person_id": person, "channel": channel,
                                 "direction": "outbound", "occurred_at": at(minutes), **more})


def call(person: str, minutes: float) -> Event:
    return Event(id=new_id(), person_id=person, channel="call", direction="inbound",
                 occurred_at=at(minutes), call=CallInfo(duration_s=60, agent="Ann"))


async def responses(store: Store, start: datetime = START, end: datetime = END
                    ) -> tuple[list[int], int]:
    got = (await store.analytics.kpi_figures(start, end)).responses
    return got.waits_ms, got.unanswered


MIN = 60_000


async def test_an_answer_before_the_stretch_does_not_close_it(store: Store) -> None:
    p = new_id()
    await store.events.append(answer(p, 0))
    await store.events.append(question(p, 5))
    assert await responses(store) == ([], 1)
    await store.events.append(answer(p, 12))
    assert await responses(store) == ([7 * MIN], 0)


async def test_two_questions_then_one_answer_are_one_stretch(store: Store) -> None:
    p = new_id()
    for event in (question(p, 0), question(p, 3, "sms"), answer(p, 10),
                  question(p, 20, "webform"), question(p, 21)):
        await store.events.append(event)
    assert await responses(store) == ([10 * MIN], 1)


async def test_a_call_answers_and_a_campaign_send_does_not(store: Store) -> None:
    p = new_id()
    for event in (question(p, 0), answer(p, 1, campaign_id="c1"), call(p, 4)):
        await store.events.append(event)
    assert await responses(store) == ([4 * MIN], 0)


async def test_an_answer_at_the_instant_of_the_question_answers_it(store: Store) -> None:
    p = new_id()
    await store.events.append(answer(p, 0))
    await store.events.append(question(p, 0))
    assert await responses(store) == ([0], 0)


async def test_events_written_out_of_order(store: Store) -> None:
    p = new_id()
    events = [question(p, 0), answer(p, 10)]
    for event in events:
        await store.events.append(event)
    assert await responses(store) == ([10 * MIN], 0)
    # a call logged late, between the question and the answer: the wait shrinks
    events.append(call(p, 4))
    await store.events.append(events[-1])
    assert await responses(store) == ([4 * MIN], 0)
    # an older question imported late opens the stretch earlier
    events.append(question(p, -6, "sms"))
    await store.events.append(events[-1])
    assert await responses(store) == ([10 * MIN], 0)
    # a question between the call and the answer: a stretch of its own
    events.append(question(p, 7))
    await store.events.append(events[-1])
    assert await responses(store) == ([3 * MIN, 10 * MIN], 0)
    # an answer imported between the two questions of the first stretch splits it
    events.append(answer(p, -2, "sms"))
    await store.events.append(events[-1])
    assert await responses(store) == walk(events, START, END) == ([3 * MIN, 4 * MIN, 4 * MIN],
                                                                 0)


async def test_the_period_counts_from_its_first_question(store: Store) -> None:
    p = new_id()
    events = [question(p, 0), question(p, 60), answer(p, 90)]
    await store.events.append_many(events)
    later = at(30)
    assert await responses(store, later, END) == walk(events, later, END) == ([30 * MIN], 0)
    assert await responses(store, START, at(1)) == ([90 * MIN], 0)


async def test_a_merge_of_interleaved_stretches_and_its_undo(store: Store) -> None:
    survivor, duplicate = new_id(), new_id()
    kept = [question(survivor, 0), answer(survivor, 30), question(survivor, 40)]
    moved = [question(duplicate, 10, "sms"), call(duplicate, 50), question(duplicate, 60),
             answer(duplicate, 45, campaign_id="c1")]
    await store.events.append_many([*kept, *moved])
    assert await responses(store) == ([30 * MIN, 40 * MIN], 2) == walk([*kept, *moved],
                                                                       START, END)
    assert await store.events.reassign_person(duplicate, survivor) == 4
    merged = [*kept, *(e.model_copy(update={"person_id": survivor}) for e in moved)]
    # one timeline: 0 and 10 wait until 30; 40 until the call at 50; 60 waits
    assert await responses(store) == walk(merged, START, END) == ([10 * MIN, 30 * MIN], 1)
    assert await store.events.reassign_ids([e.id for e in moved], duplicate) == 4
    assert await responses(store) == ([30 * MIN, 40 * MIN], 2)


async def test_erasure_keeps_the_response_times(store: Store) -> None:
    p, other = new_id(), new_id()
    await store.events.append_many([question(p, 0), answer(p, 8), question(p, 20),
                                    question(other, 1), call(other, 3)])
    before = await responses(store)
    assert before == ([2 * MIN, 8 * MIN], 1)
    assert await store.events.erase_person(p) == 3
    assert await responses(store) == before


async def test_random_histories_written_in_any_order(store: Store) -> None:
    """Three persons' random histories, written one by one and in batches in a shuffled order,
    then two of them merged and the merge undone: after each step the store's waits are the
    walk's, for the year and for a period starting mid-history."""
    rng = random.Random(20)
    persons = [new_id() for _ in range(3)]
    events: list[Event] = []
    for minute in rng.sample(range(600), 90):
        who = rng.choice(persons)
        kind = rng.random()
        events.append(question(who, minute, rng.choice(["email", "sms", "webform"]))
                      if kind < 0.45 else call(who, minute) if kind < 0.6
                      else answer(who, minute, campaign_id="c1") if kind < 0.7
                      else answer(who, minute, rng.choice(["email", "sms"])))
    rng.shuffle(events)
    middle = at(300)

    async def check(stored: list[Event]) -> None:
        for start in (START, middle):
            assert await responses(store, start, END) == walk(stored, start, END)

    for i in range(0, 60, 3):
        await store.events.append(events[i])
        await store.events.append_many(events[i + 1:i + 3])
        await check(events[:i + 3])
    await store.events.append_many(events[60:])
    await check(events)
    waits, unanswered = walk(events, START, END)
    assert len(waits) > 10 and unanswered > 0
    moved = [e for e in events if e.person_id == persons[1]]
    assert await store.events.reassign_person(persons[1], persons[0]) == len(moved)
    merged = [e.model_copy(update={"person_id": persons[0]}) if e.person_id == persons[1]
              else e for e in events]
    await check(merged)
    assert await store.events.reassign_ids([e.id for e in moved], persons[1]) == len(moved)
    await check(events)

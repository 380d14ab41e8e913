"""The demo data set: realistic, consistent, deterministic and idempotent (on SQLite)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from hub.demo import DemoSummary, build_plan, generate_demo
from hub.domain.events import EVENT_CHANNELS, Event, TimelineQuery
from hub.domain.identities import normalise_email, normalise_phone
from hub.domain.parties import Person
from hub.ports import Store
from hub.store.sqlite import open_sqlite_store

TODAY = date(2026, 6, 15)
PERSONS = 200


async def _open(path: Path) -> Store:
    return await open_sqlite_store(f"sqlite:///{path}")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await _open(tmp_path / "hub.db")
    yield opened
    await opened.close()


async def _all_persons(store: Store) -> list[Person]:
    persons: list[Person] = []
    after: str | None = None
    while page := await store.persons.find(limit=100, after_id=after):
        persons.extend(page)
        after = page[-1].id
    return persons


async def _all_events(store: Store, persons: list[Person]) -> list[Event]:
    events: list[Event] = []
    for person in persons:
        events += await store.events.timeline(TimelineQuery(person_ids=[person.id]), limit=1000)
    return events


async def test_counts_match_the_store(store: Store) -> None:
    progress: list[tuple[int, int]] = []
    summary = await generate_demo(
        store, persons=PERSONS, seed=7, today=TODAY, progress=lambda d, t: progress.append((d, t))
    )

    assert summary.persons == PERSONS == await store.persons.count()
    assert 0.5 * PERSONS <= summary.households <= 0.7 * PERSONS
    assert summary.organisations == round(PERSONS / 13)
    assert summary.roles >= summary.organisations
    assert summary.identities >= PERSONS
    assert summary.events >= 2 * PERSONS
    assert summary.transactions == await store.transactions.count() > 0
    persons = await _all_persons(store)
    assert len(await _all_events(store, persons)) == summary.events
    assert progress and progress[-1][0] == progress[-1][1]
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


async def test_every_address_has_an_identity_pointing_to_its_owner(store: Store) -> None:
    await generate_demo(store, persons=PERSONS, seed=7, today=TODAY)
    persons = await _all_persons(store)
    assert sum(1 for p in persons if p.emails) > 0.85 * PERSONS
    assert sum(1 for p in persons if p.phones) > 0.7 * PERSONS
    role_count = 0
    for person in persons:
        for email in person.emails:
            assert email == normalise_email(email) and email.endswith(".example")
            identity = await store.identities.get("email", email)
            assert identity is not None and identity.person_id == person.id
            assert identity.role_id is None
        for phone in person.phones:
            assert phone == normalise_phone(phone, "NL") and phone.startswith("+316")
            identity = await store.identities.get("phone", phone)
            assert identity is not None and identity.person_id == person.id
        for role in await store.roles.for_person(person.id):
            role_count += 1
            assert role.email and role.email.endswith(".example")
            identity = await store.identities.get("email", role.email)
            assert identity is not None
            assert (identity.person_id, identity.role_id) == (person.id, role.id)
        if person.emails:
            assert person.consent["email"].source == "demo"
            assert person.consent["email"].at is not None
        assert person.name and person.birth_date and person.language in ("nl", "en", "de")
    assert role_count > 0
    household = await store.households.get(persons[0].household_id or "")
    assert household is not None and household.address.postcode
    assert household.address.postcode[:4].isdigit() and household.address.postcode[4] == " "


async def test_every_channel_appears_and_some_events_happen_in_a_role(store: Store) -> None:
    await generate_demo(store, persons=PERSONS, seed=7, today=TODAY)
    events = await _all_events(store, await _all_persons(store))

    assert {e.channel for e in events} == set(EVENT_CHANNELS)
    directions = {(e.channel, e.direction) for e in events}
    assert {("email", "inbound"), ("email", "outbound"), ("sms", "inbound"),
            ("sms", "outbound")} <= directions
    calls = [e for e in events if e.channel == "call"]
    assert all(e.call and e.call.agent and e.call.outcome for e in calls)
    assert all(e.form and e.form.fields for e in events if e.channel == "webform")
    assert all(e.survey and e.survey.score is not None for e in events if e.channel == "survey")
    in_role = [e for e in events if e.role_id]
    assert in_role and all(e.organisation_id for e in in_role)
    org_timeline = await store.events.timeline(
        TimelineQuery(organisation_id=in_role[0].organisation_id), limit=50
    )
    assert in_role[0].id in {e.id for e in org_timeline}
    first, last = min(e.occurred_at for e in events), max(e.occurred_at for e in events)
    assert first.date() >= date(2025, 6, 14) and last.date() < TODAY


async def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    names: list[list[str]] = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        store = await _open(tmp_path / f"{name}.db")
        try:
            await generate_demo(store, persons=50, seed=seed, today=TODAY)
            names.append([p.name for p in await _all_persons(store)])
        finally:
            await store.close()
    assert names[0] == names[1]
    assert names[0] != names[2]


def test_revenue_is_concentrated_like_a_pyramid() -> None:
    plan = build_plan(persons=1000, seed=0, region="NL", today=TODAY)
    revenue: Counter[str] = Counter()
    for tx in plan.transactions:
        assert tx.amount_minor > 0 and tx.currency == "EUR"
        if tx.person_id:
            revenue[tx.person_id] += tx.amount_minor
    ranked = sorted(revenue.values(), reverse=True)
    top20 = sum(ranked[: len(ranked) // 5]) / sum(ranked)
    assert 0.7 < top20 < 0.9


async def test_a_repeat_inserts_nothing(store: Store) -> None:
    first = await generate_demo(store, persons=PERSONS, seed=7, today=TODAY)
    again = await generate_demo(store, persons=PERSONS, seed=7, today=TODAY)
    assert again == DemoSummary(skipped=True)
    assert await store.persons.count() == first.persons
    assert await store.transactions.count() == first.transactions


class Interrupt(Exception):
    pass


async def test_an_interrupted_run_resumes_without_duplicates(tmp_path: Path) -> None:
    clean = await _open(tmp_path / "clean.db")
    try:
        expected = await generate_demo(clean, persons=PERSONS, seed=7, today=TODAY)
        expected_events = len(await _all_events(clean, await _all_persons(clean)))
    finally:
        await clean.close()

    def stop_halfway(done: int, total: int) -> None:
        if done > total // 2:
            raise Interrupt

    store = await _open(tmp_path / "hub.db")
    try:
        with pytest.raises(Interrupt):
            await generate_demo(store, persons=PERSONS, seed=7, today=TODAY,
                                progress=stop_halfway)
        # A later day: the same seed makes the same records, only placed differently in time.
        resumed = await generate_demo(store, persons=PERSONS, seed=7, today=date(2026, 7, 1))
        assert not resumed.skipped
        assert resumed.persons < expected.persons
        assert await store.persons.count() == expected.persons
        assert await store.transactions.count() == expected.transactions
        assert len(await _all_events(store, await _all_persons(store))) == expected_events
    finally:
        await store.close()


async def test_the_inbox_looks_like_a_working_day(store: Store) -> None:
    from hub.domain.common import utcnow
    from hub.domain.conversations import ConversationQuery

    summary = await generate_demo(store, persons=PERSONS, seed=7)
    assert summary.conversations > 0
    everything = ConversationQuery(statuses=["open", "pending", "snoozed", "resolved"])
    held = await store.conversations.page(everything, sort="newest", limit=200)
    assert {c.status for c in held} == {"open", "pending", "snoozed", "resolved"}
    assert len({c.team_id for c in held}) == 3
    assert all(utcnow() - c.opened_at < timedelta(days=2) for c in held)
    assert any(c.sla_state(utcnow()) == "breached" for c in held)
    assert any(c.csat_score for c in held)
    assert len(await store.teams.find()) == 3 and await store.canned_responses.find()
    again = await generate_demo(store, persons=PERSONS, seed=7)
    assert again.skipped

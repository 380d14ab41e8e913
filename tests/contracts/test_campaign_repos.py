"""Segments, templates and campaigns on every backend: round trips, paging, `with_status`,
the conditional `set_status`; and the person and event queries the engine relies on
(`persons.count_matching/find_matching` paged through a segment, `events.count_campaign_persons`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hub.domain.campaigns import Campaign, MessageTemplate, Segment
from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.segments import parse_filter, plan
from hub.errors import DuplicateKey
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record, flat, ids, walk_find

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def segment(**overrides: object) -> Segment:
    fields: dict[str, object] = {
        "id": new_id(), "name": "Women in Utrecht",
        "filter": {"all": [{"field": "gender", "op": "eq", "value": "female"},
                           {"field": "household.city", "op": "eq", "value": "Utrecht"}]},
        "created_at": f.at(), "updated_at": f.at(1)}
    return Segment(**(fields | overrides))  # type: ignore[arg-type]


def template(**overrides: object) -> MessageTemplate:
    fields: dict[str, object] = {
        "id": new_id(), "name": "News", "channel": "email",
        "subject": "News for {{ person.first_name }}", "body": "Dear {{ person.name }}",
        "html": "<p>Dear {{ person.name }}</p>", "created_at": f.at(), "updated_at": f.at(2)}
    return MessageTemplate(**(fields | overrides))  # type: ignore[arg-type]


def campaign(**overrides: object) -> Campaign:
    fields: dict[str, object] = {
        "id": new_id(), "name": "Spring", "filter": {"field": "email", "op": "exists",
                                                     "value": True},
        "channels": ["preferred", "email", "sms"], "templates": {"email": "t1", "sms": "t2"},
        "send_at": f.at(60), "rate_per_minute": 120, "require_opt_in": True,
        "one_per_household": True, "audience": 3, "created_at": f.at(),
        "launched_at": f.at(5), "updated_at": f.at(5)}
    return Campaign(**(fields | overrides))  # type: ignore[arg-type]


# --- segments and templates ----------------------------------------------------------------


async def test_segment_round_trip_replace_and_pages(store: Store) -> None:
    first = segment()
    await store.segments.insert(first)
    assert_same_record(await store.segments.get(first.id), first)
    assert await store.segments.get(new_id()) is None
    with pytest.raises(DuplicateKey):
        await store.segments.insert(segment(id=first.id, name="other"))
    changed = first.model_copy(update={"name": "Renamed", "filter": {"any": []},
                                       "updated_at": f.at(9)})
    await store.segments.replace(changed)
    assert_same_record(await store.segments.get(first.id), changed)
    more = [segment() for _ in range(6)]
    for record in more:
        await store.segments.insert(record)
    pages = await walk_find(store.segments.find, 3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert ids(flat(pages)) == sorted(ids([changed, *more]))
    assert await store.segments.find(limit=0) == []


async def test_template_round_trip_and_pages(store: Store) -> None:
    mail = template()
    sms = template(channel="sms", subject=None, html=None, body="Hi {{ person.first_name }} ✓")
    for record in (mail, sms):
        await store.templates.insert(record)
    assert_same_record(await store.templates.get(mail.id), mail)
    assert_same_record(await store.templates.get(sms.id), sms)
    with pytest.raises(DuplicateKey):
        await store.templates.insert(template(id=sms.id))
    edited = mail.model_copy(update={"body": "{% if x %}x{% endif %}", "updated_at": f.at(7)})
    await store.templates.replace(edited)
    assert_same_record(await store.templates.get(mail.id), edited)
    pages = await walk_find(store.templates.find, 1)
    assert ids(flat(pages)) == sorted([mail.id, sms.id])


# --- campaigns -----------------------------------------------------------------------------


async def test_campaign_round_trip_every_field(store: Store) -> None:
    record = campaign(kind="survey", survey_id=new_id(), segment_id=new_id(), filter=None,
                      snapshot_complete=True, finished_at=f.at(99), status="paused",
                      language="nl", language_templates={"en": {"email": new_id()}})
    await store.campaigns.insert(record)
    assert_same_record(await store.campaigns.get(record.id), record)
    minimal = Campaign(id=new_id(), name="m", filter={"all": []})
    await store.campaigns.insert(minimal)
    stored = await store.campaigns.get(minimal.id)
    assert stored is not None and stored.status == "draft" and stored.send_at is None
    with pytest.raises(DuplicateKey):
        await store.campaigns.insert(campaign(id=record.id))
    pages = await walk_find(store.campaigns.find, 1)
    assert ids(flat(pages)) == sorted([record.id, minimal.id])


async def test_with_status_in_id_order(store: Store) -> None:
    made = {status: [campaign(status=status) for _ in range(2)]
            for status in ("draft", "scheduled", "running", "paused", "completed")}
    for records in made.values():
        for record in records:
            await store.campaigns.insert(record)
    active = await store.campaigns.with_status(["scheduled", "running"])
    assert ids(active) == sorted(ids(made["scheduled"] + made["running"]))
    assert await store.campaigns.with_status(["cancelled"]) == []
    # replace keeps the status column in step with the document
    moved = made["draft"][0].model_copy(update={"status": "running"})
    await store.campaigns.replace(moved)
    assert moved.id in ids(await store.campaigns.with_status(["running"]))
    assert moved.id not in ids(await store.campaigns.with_status(["draft"]))


async def test_set_status_moves_only_from_expected(store: Store) -> None:
    record = campaign(status="draft", launched_at=None)
    await store.campaigns.insert(record)
    assert await store.campaigns.set_status(record.id, "paused", expected=["running"]) is None
    assert (await store.campaigns.get(record.id)).status == "draft"  # type: ignore[union-attr]
    moved = await store.campaigns.set_status(
        record.id, "running", expected=["draft", "scheduled"],
        fields={"launched_at": f.at(30), "snapshot_complete": True, "audience": 42})
    assert moved is not None
    assert moved.status == "running" and moved.launched_at == f.at(30)
    assert moved.snapshot_complete and moved.audience == 42
    assert moved.updated_at > record.updated_at
    stored = await store.campaigns.get(record.id)
    assert_same_record(stored, moved)
    assert ids(await store.campaigns.with_status(["running"])) == [record.id]
    assert ids(await store.campaigns.with_status(["draft"])) == []
    assert await store.campaigns.set_status(new_id(), "running", expected=["draft"]) is None


async def test_concurrent_set_status_has_one_winner(store: Store) -> None:
    record = campaign(status="running")
    await store.campaigns.insert(record)
    results = await asyncio.gather(*(
        store.campaigns.set_status(record.id, "completed", expected=["running"],
                                   fields={"finished_at": f.at(i)}) for i in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert_same_record(await store.campaigns.get(record.id), winners[0])


# --- the queries the engine runs on persons and events -------------------------------------


async def test_find_matching_pages_through_a_segment(store: Store) -> None:
    opted_in = ConsentState(status="opted_in", source="test")
    wanted: list[str] = []
    for i in range(23):
        person = f.person(emails=[f"p{i}@example.org"] if i % 3 else [],
                          consent={"email": opted_in} if i % 2 else {})
        await store.persons.insert(person)
        if i % 3 and i % 2:
            wanted.append(person.id)
    erased = f.person(emails=["gone@example.org"], consent={"email": opted_in},
                      erased_at=f.at())
    await store.persons.insert(erased)
    predicate = plan(parse_filter({"all": [
        {"field": "email", "op": "exists", "value": True},
        {"field": "consent.email", "op": "eq", "value": "opted_in"}]}), NOW)
    assert await store.persons.count_matching(predicate) == len(wanted)

    async def find(*, limit: int, after_id: str | None) -> list:  # type: ignore[type-arg]
        return await store.persons.find_matching(predicate, limit=limit, after_id=after_id)

    pages = await walk_find(find, 4)
    assert [len(p) for p in pages[:-1]] == [4] * (len(pages) - 1)
    assert ids(flat(pages)) == sorted(wanted)
    assert await store.persons.find_matching(predicate, limit=0) == []
    everyone = plan(None, NOW)
    assert await store.persons.count_matching(everyone) == 23
    last = sorted(wanted)[-1]
    assert await store.persons.find_matching(predicate, after_id=last) == []


async def test_count_campaign_persons(store: Store) -> None:
    campaign_id, other = new_id(), new_id()
    anna, bert, carla = (new_id() for _ in range(3))
    events = [
        f.event(anna, channel="email", direction="outbound", campaign_id=campaign_id),
        f.event(anna, channel="email", direction="inbound", campaign_id=campaign_id),
        f.event(anna, channel="email", direction="inbound", campaign_id=campaign_id),
        f.event(bert, channel="sms", direction="inbound", campaign_id=campaign_id),
        f.event(bert, channel="sms", direction="outbound", campaign_id=campaign_id),
        f.event(carla, channel="sms", direction="inbound", campaign_id=other),
        f.event(carla, channel="sms", direction="inbound"),
        f.event(None, channel="email", direction="inbound", campaign_id=campaign_id),
    ]
    for event in events:
        await store.events.append(event)
    count = store.events.count_campaign_persons
    assert await count(campaign_id, direction="inbound") == 2
    assert await count(campaign_id, direction="inbound", channel="email") == 1
    assert await count(campaign_id, direction="inbound", channel="sms") == 1
    assert await count(campaign_id, direction="outbound") == 2
    assert await count(campaign_id, direction="outbound", channel="call") == 0
    assert await count(other, direction="inbound") == 1
    assert await count(new_id(), direction="inbound") == 0

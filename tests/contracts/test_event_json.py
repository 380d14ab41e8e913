"""store.events.timeline_json: each item is exactly `Event.model_dump_json(by_alias=True)` of
the event `timeline` returns, on every backend, before and after every in-place edit a store
makes to a stored event (status, external id, erasure, merge and unmerge moves)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange, TimelineCursor, TimelineQuery
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.backends import Backend
from tests.contracts.checks import PROPERTY_SETTINGS

TRICKY = 'Zeg "hallo" \\ tab\t regel\n\r € é ñ 😀 \u2028 \x01 \x1f \x7f </script>'
SANITISED_HTML = ('<p>Beste <b>Kees</b>,</p><p>Zie bijlage &amp; groet.</p>'
                  '<a href="https://example.org/?a=1&amp;b=2" rel="noopener">link</a>')


def varied(person_id: str) -> list[Event]:
    """Notes in Dutch and English, a full email with sanitised HTML and attachments, a call,
    a survey answer, a form, numbers of every kind and text that needs escaping."""
    return [
        f.event(person_id, text="Klant belde over de factuur; terugbellen morgen.",
                occurred_at=f.at(1)),
        f.event(person_id, text="Customer asked for a refund.", occurred_at=f.at(2),
                author="agent-7"),
        f.full_event(person_id, data={
            "html": SANITISED_HTML, "flags": ["thread_sender_mismatch"],
            "attachments": [
                {"name": "factuur 2026-04.pdf", "content_type": "application/pdf",
                 "size": 48_213, "blob_key": "ab12" * 16, "kept": True},
                {"name": "foto.jpg", "content_type": "image/jpeg", "size": 9_000_000,
                 "blob_key": None, "kept": False}]}),
        f.call_event(person_id, occurred_at=f.at(3)),
        f.survey_event(person_id, occurred_at=f.at(4)),
        f.form_event(person_id, occurred_at=f.at(5)),
        f.event(person_id, channel="sms", direction="outbound", occurred_at=f.at(6),
                subject=TRICKY, text=TRICKY, status="sent",
                data={"ratio": 0.1, "whole": 3.0, "tiny": 1e-7, "big": 1e16, "neg": -2.5,
                      "int": 2**62, "none": None, "list": [True, False, TRICKY]}),
        f.event(person_id, channel="system", direction="internal", occurred_at=f.at(7),
                subject="No reply needed", data={"inbox": "no_reply_needed"}),
    ]


async def assert_json_is_the_models(store: Store, query: TimelineQuery, *, limit: int = 50,
                                    before: TimelineCursor | None = None) -> list[str]:
    events = await store.events.timeline(query, limit=limit, before=before)
    items = await store.events.timeline_json(query, limit=limit, before=before)
    assert [item.json for item in items] == [e.model_dump_json(by_alias=True) for e in events]
    assert [(i.id, i.occurred_at, i.person_id, i.role_id) for i in items] == [
        (e.id, e.occurred_at, e.person_id, e.role_id) for e in events]
    return [e.id for e in events]


async def test_every_kind_of_event_is_served_as_the_model_writes_it(store: Store) -> None:
    person_id = new_id()
    events = varied(person_id)
    assert await store.events.append_many(events) == len(events)
    found = await assert_json_is_the_models(store, TimelineQuery(person_ids=[person_id]))
    assert len(found) == len(events)
    # a page further down and a page of one channel
    last = next(e for e in events if e.id == found[2])
    await assert_json_is_the_models(store, TimelineQuery(person_ids=[person_id]), limit=3,
                                    before=TimelineCursor(occurred_at=last.occurred_at,
                                                          id=last.id))
    await assert_json_is_the_models(store, TimelineQuery(person_ids=[person_id],
                                                         channel="email"))


async def test_household_and_organisation_pages_carry_the_owner(store: Store) -> None:
    anna, kees, organisation_id = new_id(), new_id(), new_id()
    role_id = new_id()
    events = [*varied(anna),
              f.event(kees, organisation_id=organisation_id, role_id=role_id,
                      occurred_at=f.at(9)),
              f.event(anna, organisation_id=organisation_id, occurred_at=f.at(10))]
    await store.events.append_many(events)
    await assert_json_is_the_models(store, TimelineQuery(person_ids=[anna, kees]))
    await assert_json_is_the_models(store, TimelineQuery(person_ids=[kees, anna]), limit=2)
    found = await assert_json_is_the_models(
        store, TimelineQuery(organisation_id=organisation_id))
    assert len(found) == 2


async def test_in_place_edits_keep_the_served_json_the_models(store: Store) -> None:
    anna, copy = new_id(), new_id()
    events = varied(anna) + varied(copy)
    await store.events.append_many(events)
    query = TimelineQuery(person_ids=[anna])
    sms = next(e for e in events if e.person_id == anna and e.channel == "sms")
    assert await store.events.add_status(
        sms.id, StatusChange(status="delivered", at=f.at(60), detail=TRICKY)) is not None
    await store.events.add_status(sms.id, StatusChange(status=TRICKY, at=f.at(61)))
    note = next(e for e in events if e.person_id == anna and e.channel == "note")
    await store.events.set_external_id(note.id, f"ext-{TRICKY[:5]}-é")
    await assert_json_is_the_models(store, query)
    # a merge moves every event of the copy; an unmerge moves some back
    assert await store.events.reassign_person(copy, anna) == len(events) // 2
    await assert_json_is_the_models(store, query)
    moved_back = [e.id for e in events if e.person_id == copy][:3]
    assert await store.events.reassign_ids(moved_back, copy) == 3
    await assert_json_is_the_models(store, query)
    await assert_json_is_the_models(store, TimelineQuery(person_ids=[copy]))
    # erasure blanks the personal fields
    await store.events.erase_person(anna)
    erased = await assert_json_is_the_models(store, query)
    assert len(erased) == len(events) - 3
    page = await store.events.timeline_json(query, limit=50)
    assert all('"erased":true' in item.json and '"text":null' in item.json for item in page)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@PROPERTY_SETTINGS
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=4),
       data=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
       ms=st.integers(min_value=-10**9, max_value=10**9))
async def test_any_text_and_data_round_trip_as_the_model_writes_them(
    backend: Backend, texts: list[str], data: dict[str, object], ms: int
) -> None:
    person_id = new_id()
    events = [f.event(person_id, text=text, subject=text[:10], data=data,
                      occurred_at=f.at(n) + timedelta(milliseconds=ms))
              for n, text in enumerate(texts)]
    async with backend.fresh() as store:
        await store.events.append_many(events)
        await store.events.add_status(events[0].id,
                                      StatusChange(status=texts[0] or "x", at=f.at(99)))
        await assert_json_is_the_models(store, TimelineQuery(person_ids=[person_id]))

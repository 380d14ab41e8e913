"""Reads the marketing pages need, on every backend: a campaign's deliveries by status (failures
and skips with reasons), a campaign's replies, a form's submissions, newest first."""

from __future__ import annotations

from hub.domain.campaigns import Delivery
from hub.domain.common import new_id
from hub.domain.events import FormInfo
from hub.ports import Store
from tests.contracts import factories as f


async def test_deliveries_with_status(store: Store) -> None:
    campaign_id, other = new_id(), new_id()
    made = [Delivery(id=new_id(), campaign_id=campaign_id, person_id=new_id(), status=s,
                     reason=f"why {i}", updated_at=f.at())
            for i, s in enumerate(["sent", "failed", "skipped", "skipped", "queued"])]
    await store.deliveries.insert_many(made)
    await store.deliveries.insert_many([Delivery(id=new_id(), campaign_id=other,
                                                 person_id=new_id(), status="failed")])
    found = await store.deliveries.with_status(campaign_id, ["failed", "skipped"], limit=10)
    assert [d.id for d in found] == sorted(d.id for d in made if d.status in
                                           ("failed", "skipped"))
    assert {d.reason for d in found} == {"why 1", "why 2", "why 3"}
    assert len(await store.deliveries.with_status(campaign_id, ["skipped"], limit=1)) == 1
    assert await store.deliveries.with_status(campaign_id, [], limit=10) == []


async def test_campaign_replies_and_form_submissions(store: Store) -> None:
    person = f.person()
    await store.persons.insert(person)
    campaign_id, form_id = new_id(), new_id()
    older = f.event(person.id, campaign_id=campaign_id, direction="inbound", occurred_at=f.at(1))
    newer = f.event(person.id, campaign_id=campaign_id, direction="inbound", occurred_at=f.at(2))
    outbound = f.event(person.id, campaign_id=campaign_id, direction="outbound",
                       occurred_at=f.at(3))
    elsewhere = f.event(person.id, campaign_id=new_id(), direction="inbound")
    sub1 = f.event(person.id, channel="webform", direction="inbound", occurred_at=f.at(4),
                   form=FormInfo(form_id=form_id, fields={"email": "a@example.org"}))
    sub2 = f.event(person.id, channel="webform", direction="inbound", occurred_at=f.at(5),
                   form=FormInfo(form_id=form_id, fields={}))
    other_form = f.event(person.id, channel="webform", direction="inbound",
                         form=FormInfo(form_id=new_id(), fields={}))
    for event in (older, newer, outbound, elsewhere, sub1, sub2, other_form):
        await store.events.append(event)
    replies = await store.events.for_campaign(campaign_id, direction="inbound", limit=10)
    assert [e.id for e in replies] == [newer.id, older.id]
    assert len(await store.events.for_campaign(campaign_id, direction="inbound", limit=1)) == 1
    submissions = await store.events.for_form(form_id, limit=10)
    assert [e.id for e in submissions] == [sub2.id, sub1.id]
    assert submissions[1].form is not None and submissions[1].form.fields == {
        "email": "a@example.org"}
    assert await store.events.for_form(new_id(), limit=10) == []

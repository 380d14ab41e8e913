"""What the deliverability guardrails count, on every backend: distinct persons with an
inbound event of a campaign flagged `hard_bounce` or `complaint`."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.ports import Store
from tests.contracts import factories as f


async def test_count_campaign_flagged(store: Store) -> None:
    campaign_id = new_id()
    anna, bert, cees = f.person(), f.person(), f.person()
    for person in (anna, bert, cees):
        await store.persons.insert(person)

    def inbound(person_id: str, flags: list[str], campaign: str = campaign_id) -> None:
        events.append(f.event(person_id, campaign_id=campaign, direction="inbound",
                              channel="email", data={"flags": flags}))

    events: list[Event] = []
    inbound(anna.id, ["bounce", "hard_bounce"])
    inbound(anna.id, ["bounce", "hard_bounce"])  # a second bounce of the same person: once
    inbound(bert.id, ["bounce"])  # a soft bounce
    inbound(cees.id, ["complaint"])
    inbound(bert.id, ["hard_bounce"], campaign=new_id())  # another campaign
    outbound = f.event(cees.id, campaign_id=campaign_id, direction="outbound",
                       channel="email", data={"flags": ["hard_bounce"]})
    for event in [*events, outbound]:
        await store.events.append(event)
    assert await store.events.count_campaign_flagged(campaign_id, "hard_bounce") == 1
    assert await store.events.count_campaign_flagged(campaign_id, "complaint") == 1
    assert await store.events.count_campaign_flagged(campaign_id, "bounce") == 2
    assert await store.events.count_campaign_flagged(new_id(), "hard_bounce") == 0
    assert await store.events.count_campaign_flagged(campaign_id, "hard_bounce",
                                                     direction="outbound") == 1

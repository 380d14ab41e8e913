"""A campaign's A/B test on every backend: the test and its decision round-trip, the first
decision stored wins (`record_ab_decision`, as the dispatch worker writes it), and a delivery
keeps its variant and waiting time through a lease."""

from __future__ import annotations

from hub.domain.campaign_ab import CampaignAbTest
from hub.domain.campaigns import Campaign, Delivery
from hub.domain.common import new_id
from hub.domain.journeys import AbDecision
from hub.ports import Store
from tests.contracts import factories as f

AB = CampaignAbTest.model_validate({
    "test_share": 25, "metric": "conversion", "conversion": {"kind": "transaction_recorded"},
    "variants": [{"key": "A"}, {"key": "B", "subject": "Sale", "sender_name": "Anna",
                                "send_at": f.at(3600).isoformat()}]})


async def test_the_test_and_its_decision_round_trip(store: Store) -> None:
    campaign = Campaign(id=new_id(), name="Spring", filter={}, templates={"email": "t"},
                        status="running", ab=AB)
    await store.campaigns.insert(campaign)
    stored = await store.campaigns.get(campaign.id)
    assert stored is not None and stored.ab == AB and stored.ab_decision is None
    decision = AbDecision(step_id="campaign", decided_at=f.at(7200), winner="B",
                          sent={"A": 40, "B": 41}, successes={"A": 2, "B": 15},
                          p_value=0.0004, confidence=0.95)
    moved = await store.campaigns.set_status(
        campaign.id, "running", expected=["running"],
        fields={"ab_decision": decision.model_dump(mode="json")})
    assert moved is not None and moved.ab_decision == decision
    again = await store.campaigns.get(campaign.id)
    assert again is not None and again.ab_decision == decision and again.ab == AB


async def test_a_delivery_keeps_its_variant_through_a_lease(store: Store) -> None:
    campaign_id = new_id()
    test = Delivery(id=new_id(), campaign_id=campaign_id, person_id=new_id(), variant="B")
    rest = Delivery(id=new_id(), campaign_id=campaign_id, person_id=new_id(), variant="rest",
                    not_before=f.at(7200))
    assert await store.deliveries.insert_many([test, rest]) == 2
    [leased] = await store.deliveries.lease(campaign_id, owner="w", now=f.at(60),
                                            until=f.at(120), limit=10)
    assert leased.id == test.id and leased.variant == "B"  # the rest waits
    assert await store.deliveries.update(leased.model_copy(update={"status": "skipped"}),
                                         owner="w")
    [later] = await store.deliveries.lease(campaign_id, owner="w", now=f.at(7200),
                                           until=f.at(7260), limit=10)
    assert later.id == rest.id and later.variant == "rest"
    sent = later.model_copy(update={"variant": "rest:B", "status": "skipped"})
    assert await store.deliveries.update(sent, owner="w")
    stored = await store.deliveries.get(rest.id)
    assert stored is not None and stored.variant == "rest:B"


async def test_the_first_stored_decision_wins(store: Store) -> None:
    """Two workers decide at once, having counted different replies: both send the rest the
    winner stored first."""
    campaign = Campaign(id=new_id(), name="Spring", filter={}, templates={"email": "t"},
                        status="running", ab=AB)
    await store.campaigns.insert(campaign)
    first = AbDecision(step_id="campaign", decided_at=f.at(7200), winner="B",
                       sent={"A": 40, "B": 41}, successes={"A": 2, "B": 15},
                       p_value=0.0004, confidence=0.95)
    second = first.model_copy(update={"winner": None, "p_value": 0.2,
                                      "successes": {"A": 9, "B": 15}})
    assert await store.campaigns.record_ab_decision(campaign.id, first) == first
    assert await store.campaigns.record_ab_decision(campaign.id, second) == first
    stored = await store.campaigns.get(campaign.id)
    assert stored is not None and stored.ab_decision == first and stored.status == "running"
    assert await store.campaigns.record_ab_decision(new_id(), first) is None

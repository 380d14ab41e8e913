"""The campaign page shows its A/B test: the variants, what each differs in, the figures
and the confidence statement in the viewer's language (Dutch here)."""

from __future__ import annotations

from datetime import timedelta

from hub.domain.campaign_ab import CampaignAbTest
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id, utcnow
from hub.domain.journeys import AbDecision
from tests.web.ui.conftest import Ui


async def test_the_campaign_page_states_the_ab_outcome(ui: Ui) -> None:
    template = MessageTemplate(id=new_id(), name="News", channel="email", subject="News",
                               body="Hello")
    await ui.store.templates.insert(template)
    ab = CampaignAbTest.model_validate({
        "test_share": 20, "variants": [{"key": "A"}, {"key": "B", "subject": "<b>Sale</b>",
                                                      "sender_name": "Anna"}]})
    now = utcnow()
    campaign = Campaign(
        id=new_id(), name="Spring", filter={"field": "name", "op": "exists", "value": True},
        channels=["email"], templates={"email": template.id}, status="completed",
        launched_at=now - timedelta(days=4), ab=ab,
        ab_decision=AbDecision(step_id="campaign", decided_at=now - timedelta(days=1),
                               winner="B", sent={"A": 100, "B": 100},
                               successes={"A": 10, "B": 40}, p_value=0.0000012))
    await ui.store.campaigns.insert(campaign)
    await ui.login("marketing")
    response = await ui.client.get(f"/campaigns/{campaign.id}")
    assert response.status == 200
    page = await response.text()
    section = page[page.index('id="ab"'):]
    assert "A/B-test" in section and "Anna" in section
    assert "&lt;b&gt;Sale&lt;/b&gt;" in section and "<b>Sale" not in section
    assert "40,0 %" in section or "40.0 %" in section
    assert "Variant B heeft gewonnen" in section

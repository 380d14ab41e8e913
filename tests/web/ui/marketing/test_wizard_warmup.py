"""The wizard's warm-up field: daily volumes become the campaign's ramp; nonsense is a 422
naming the field."""

from __future__ import annotations

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.web.keys import CAMPAIGNS
from tests.web.ui.conftest import Ui
from tests.web.ui.marketing.test_pages import _post


async def test_warmup_volumes_from_the_wizard(ui: Ui) -> None:
    kit = ui.client.app[CAMPAIGNS]
    segment = await kit.segments.create("All", {"field": "name", "op": "exists", "value": True})
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Hi", channel="email", subject="Hi", body="Hello"))
    await ui.login("marketing")
    form = {"name": "Warm", "segment_id": segment.id, "channel_0": "email",
            "template_email": template.id, "options_shown": "1"}
    bad = await _post(ui, "/campaigns", {**form, "warmup": "200, veel"},
                      token_from="/campaigns/new")
    body = await bad.text()
    assert bad.status == 422 and ("Warm-up" in body or "Opwarmen" in body)
    created = await _post(ui, "/campaigns", {**form, "warmup": "200, 1.000"},
                          token_from="/campaigns/new")
    assert created.status == 303
    campaign = await kit.campaigns.get(created.headers["Location"].rsplit("/", 1)[1])
    assert campaign.warmup == [200, 1000]

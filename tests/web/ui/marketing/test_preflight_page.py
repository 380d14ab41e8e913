"""The preflight on a draft campaign's page: started by a button, the failing person listed
with the line, the plain launch replaced by "launch, skipping these persons"."""

from __future__ import annotations

import asyncio

from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id
from hub.web.keys import CAMPAIGNS
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person
from tests.web.ui.marketing.test_pages import _post


async def test_preflight_lists_the_failing_person_and_offers_to_skip(ui: Ui) -> None:
    await make_person(ui, name="Anna", emails=["anna@example.org"],
                      consent={"email": "opted_in"}, attributes={"customer_number": "C1"})
    await make_person(ui, name="Bert Zonder", emails=["bert@example.org"],
                      consent={"email": "opted_in"})
    kit = ui.client.app[CAMPAIGNS]
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Nr", channel="email", subject="Nr",
        body="Hallo\n{{ person.attributes.customer_number }}"))
    campaign = await kit.campaigns.create(Campaign(
        id=new_id(), name="Nummers", filter={"field": "email", "op": "exists", "value": True},
        channels=["email"], templates={"email": template.id}, require_opt_in=True))
    await ui.login("marketing")
    path = f"/campaigns/{campaign.id}"
    page = await (await ui.client.get(path)).text()
    assert 'id="preflight-start"' in page and 'action="' + path + '/launch"' in page
    started = await _post(ui, path + "/preflight", {}, token_from=path)
    assert started.status == 303
    await kit.campaigns.preflights.wait()
    state = await (await ui.client.get(path + "/preflight")).json()
    assert state["state"] == "done" and state["failed"] == 1
    page = await (await ui.client.get(path)).text()
    assert "Bert Zonder" in page and 'id="preflight-failures"' in page
    assert 'id="launch-skipping"' in page
    assert '<button type="submit" class="primary">Launch' not in page  # no plain launch
    refused = await _post(ui, path + "/launch", {}, token_from=path)
    assert refused.status == 409
    launched = await _post(ui, path + "/launch", {"template_failures": "skip"}, token_from=path)
    assert launched.status == 303
    await asyncio.sleep(0)
    assert (await kit.campaigns.get(campaign.id)).preflight_skip is True

"""The person page links the proof of consent and the data access export (issue 15, items
5 and 6 in the UI): both reachable with a staff session, the export a JSON download of the
same data as the API, neither for marketing."""

from __future__ import annotations

import json

from hub.web.keys import SERVICES
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person


async def test_export_download_and_proof_are_linked_from_the_person_page(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Export Persoon", emails=["export@example.com"],
                                  consent={"email": "opted_in"})
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert f'href="/people/{person_id}/consent-proof"' in page
    assert f'href="/people/{person_id}/export"' in page and "Alle gegevens downloaden" in page

    response = await ui.client.get(f"/people/{person_id}/export")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="person-{person_id}.json"')
    data = json.loads(await response.read())
    assert data["person"]["name"] == "Export Persoon"
    assert [i["value"] for i in data["identities"]] == ["export@example.com"]
    assert data["consent"]["current"]["email"]["status"] == "opted_in"
    assert data["consent"]["per_address"]["email"][0]["address"] == "export@example.com"

    proof = await ui.client.get(f"/people/{person_id}/consent-proof")
    assert proof.status == 200 and "Toestemming per adres" in await proof.text()

    await ui.login("marketing")
    assert (await ui.client.get(f"/people/{person_id}/export")).status == 403


async def test_person_page_shows_consent_per_address(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Twee Nummers",
                                  phones=["+31611112222", "+31643056562"],
                                  consent={"sms": "opted_in"})
    services = ui.client.app[SERVICES]
    await services.sms.opt_out_number("+31643056562", source="sms:STOP", key="test-stop")
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    listed = page.split('class="per-address"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 2
    assert "06 11112222: aangemeld" in listed and "06 43056562: afgemeld" in listed

"""The journey pages: a marketer creates a journey as JSON, sees a bad one refused with the
step named, activates it (checked again), sees the flow with the persons per step, pauses,
resumes and archives; a person's journeys page shows where they are. In Dutch by default."""

from __future__ import annotations

import json
import re

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.parties import Person
from tests.web.ui.conftest import Ui

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


async def _templates(ui: Ui) -> dict[str, str]:
    ids = {}
    for language in ("nl", "en"):
        template = MessageTemplate(id=new_id(), name=f"welkom {language}", channel="email",
                                   subject="Welkom", body="Hallo {{ person.first_name }}")
        await ui.store.templates.insert(template)
        ids[language] = template.id
    return ids


def _definition(templates: dict[str, str]) -> dict[str, object]:
    return {"trigger": {"kind": "manual"}, "start": "welcome",
            "steps": [{"type": "send", "id": "welcome", "channel": "email",
                       "templates": templates, "next": "pause"},
                      {"type": "wait", "id": "pause", "minutes": 2880, "next": "vip"},
                      {"type": "branch", "id": "vip", "test": "replied", "yes": "staff",
                       "no": "bye"},
                      {"type": "notify", "id": "staff", "team": "sales"},
                      {"type": "exit", "id": "bye"}]}


async def test_build_activate_watch_and_pause_a_journey(ui: Ui) -> None:
    await ui.login("marketing")
    templates = await _templates(ui)
    page = await ui.client.get("/journeys")
    assert page.status == 200
    assert "Nieuwe journey" in await page.text() or "Journeys" in await page.text()

    bad = _definition(templates)
    bad["steps"][1]["minutes"] = 0  # type: ignore[index]
    token = await ui.csrf("/journeys")
    response = await ui.client.post("/journeys", data={
        "name": "Welkom", "definition": json.dumps(bad), "csrf_token": token},
        headers=ENGLISH)
    assert response.status == 422
    assert "step &#39;pause&#39;: minutes must be at least 1 minute" in await response.text()

    response = await ui.client.post("/journeys", data={
        "name": "Welkom", "definition": json.dumps(_definition(templates)),
        "csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    path = response.headers["Location"].split("?")[0]
    assert await ui.post(f"{path}/status", {"action": "activate"}, token_from=path) == 303

    journey_id = path.rsplit("/", 1)[1]
    person = Person(id=new_id(), name="Anna de Vries", emails=["anna@example.org"])
    await ui.store.persons.insert(person)
    journey = await ui.store.journeys.get(journey_id)
    assert journey is not None and journey.status == "active"
    response = await ui.client.get(path, headers=ENGLISH)
    html = await response.text()
    assert "Wait 2 days" in html and "Replied since the last message?" in html
    assert re.search(r"yes →.*staff.*Put the person in the staff inbox", html, re.S)

    dutch = await (await ui.client.get(path)).text()
    assert "Wacht 2 dagen" in dutch and "Pauzeren" in dutch

    assert await ui.post(f"{path}/status", {"action": "pause"}, token_from=path) == 303
    assert (await ui.store.journeys.get(journey_id)).status == "paused"  # type: ignore[union-attr]
    assert await ui.post(f"{path}/status", {"action": "resume"}, token_from=path) == 303
    assert await ui.post(f"{path}/status", {"action": "archive"}, token_from=path) == 303
    assert (await ui.store.journeys.get(journey_id)).status == "archived"  # type: ignore[union-attr]
    persons = await ui.client.get(f"/people/{person.id}/journeys", headers=ENGLISH)
    assert "Not in any journey." in await persons.text()


async def test_service_staff_cannot_open_the_journey_pages(ui: Ui) -> None:
    await ui.login("service")
    response = await ui.client.get("/journeys")
    assert response.status == 403


async def test_a_journey_alert_is_in_the_staff_inbox_and_the_person_page_links_journeys(
        ui: Ui) -> None:
    from campaigns.journeys.alerts import InboxAlerts
    from hub.web.keys import SERVICES

    person = Person(id=new_id(), name="Bram Bakker", emails=["bram@example.org"])
    await ui.store.persons.insert(person)
    await InboxAlerts(ui.client.app[SERVICES].timeline).open(
        person, team="sales", note="Wil teruggebeld worden", key="e1:staff",
        journey_id="j1", journey_name="Welkomstreeks")
    await ui.login("service")
    inbox = await (await ui.client.get("/")).text()
    assert "Bram Bakker" in inbox and "Welkomstreeks" in inbox
    page = await (await ui.client.get(f"/people/{person.id}")).text()
    assert f'href="/people/{person.id}/journeys"' in page

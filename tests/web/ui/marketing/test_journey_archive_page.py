"""On the journey page staff choose to move running enrolments to a new version (a tick
box) and are told how many moved and stayed; archiving tells how many running enrolments
ended, and each shows the reason. In Dutch."""

from __future__ import annotations

import json

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.parties import Person
from hub.web.keys import COMPONENTS
from tests.web.ui.conftest import Ui


async def test_move_enrolments_then_archive_from_the_page(ui: Ui) -> None:
    await ui.login("marketing")
    ids = {}
    for language in ("nl", "en"):
        template = MessageTemplate(id=new_id(), name=language, channel="email",
                                   subject="Hoi", body="Hallo")
        await ui.store.templates.insert(template)
        ids[language] = template.id
    definition = {"trigger": {"kind": "manual"}, "start": "pause", "steps": [
        {"type": "wait", "id": "pause", "minutes": 2880, "next": "hello"},
        {"type": "send", "id": "hello", "channel": "email", "templates": ids}]}
    service = ui.client.app[COMPONENTS].journeys.service
    journey = await service.create("Welkom", definition)
    await service.update(journey.id, status="active")
    anna = Person(id=new_id(), name="Anna", emails=["anna@example.org"])
    await ui.store.persons.insert(anna)
    [result] = await service.enrol_manual(journey.id, [anna.id])
    assert result.enrolment_id
    path = f"/journeys/{journey.id}"

    page = await (await ui.client.get(path)).text()
    assert 'name="migrate"' in page
    token = await ui.csrf(path)
    shorter = {**definition, "steps": [{**definition["steps"][0], "minutes": 60},
                                       definition["steps"][1]]}
    response = await ui.client.post(path, data={
        "name": "Welkom", "definition": json.dumps(shorter), "migrate": "yes",
        "csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    assert "migrated=1&stayed=0" in response.headers["Location"]
    page = await (await ui.client.get(response.headers["Location"])).text()
    assert "1 lopende inschrijving(en) verplaatst naar deze versie" in page
    moved = await ui.store.enrolments.get(result.enrolment_id)
    assert moved is not None and moved.version == 2

    response = await ui.client.post(f"{path}/status", data={
        "action": "archive", "csrf_token": await ui.csrf(path)}, allow_redirects=False)
    assert response.status == 303 and "exited=1" in response.headers["Location"]
    page = await (await ui.client.get(response.headers["Location"])).text()
    assert "1 lopende inschrijving(en) beëindigd: de journey is gearchiveerd." in page
    assert "de journey is gearchiveerd</span>" in page  # the enrolment's reason
    assert 'name="migrate"' not in page

"""Test data for staff pages, made through the services (as the app would)."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.events import Event
from hub.services.persons import PersonInput
from hub.web.keys import SERVICES
from tests.web.ui.conftest import Ui


async def make_person(ui: Ui, **fields: object) -> str:
    services = ui.client.app[SERVICES]
    person = await services.persons.create(PersonInput.model_validate(fields))
    return person.id


async def add_event(ui: Ui, person_id: str, **fields: object) -> Event:
    services = ui.client.app[SERVICES]
    event = Event(id=new_id(), person_id=person_id, **fields)  # type: ignore[arg-type]
    stored, _ = await services.timeline.record(event)
    return stored

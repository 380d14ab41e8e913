"""A hub's parts on a fresh SQLite store with the sandbox outbox, a movable journey clock
and no quiet hours (a test that wants them sets them), plus journey-building helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from campaigns.journeys.engine import JourneyEngine
from hub.config import Settings, load_settings
from hub.domain.campaigns import MessageTemplate
from hub.domain.clock import MovableClock
from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.identities import Identity
from hub.domain.journeys import Journey
from hub.domain.parties import Person
from hub.ports import Store
from hub.store import create_store
from hub.wiring import Components, assemble, build_adapters, build_journey_engine


def journey_settings(tmp_path: Path, **extra: str) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"),
                          "HUB_EMAIL_FROM": "news@shop.example", "HUB_QUIET_HOURS": "off",
                          "HUB_QUIET_DAYS": "off", **extra}, dotenv=None)


@dataclass
class Hub:
    store: Store
    components: Components
    engine: JourneyEngine
    clock: MovableClock

    async def template(self, channel: str, body: str, subject: str | None = None) -> str:
        template = MessageTemplate(id=new_id(), name=f"{channel} {body[:20]}", channel=channel,
                                   subject=subject, body=body)
        await self.store.templates.insert(template)
        return template.id

    async def person(self, **fields: Any) -> Person:
        values: dict[str, Any] = {
            "id": new_id(), "name": "Anna de Vries", "emails": [f"p{new_id()}@example.org"],
            "phones": ["+31612345678"], "language": "nl",
            "consent": {"email": ConsentState(status="opted_in", source="test"),
                        "sms": ConsentState(status="opted_in", source="test")}}
        person = Person(**(values | fields))
        await self.store.persons.insert(person)
        for kind, addresses in (("email", person.emails), ("phone", person.phones)):
            for address in addresses:
                await self.store.identities.insert(Identity(kind=kind, value=address,
                                                            person_id=person.id))
        return person

    async def journey(self, definition: dict[str, Any], *, name: str = "Welkom",
                      activate: bool = True) -> Journey:
        service = self.components.journeys.service
        journey = await service.create(name, definition)
        if activate:
            journey = await service.update(journey.id, status="active")
        return journey


async def open_hub(settings: Settings, store: Store | None = None) -> tuple[Hub, Any]:
    store = store or await create_store(settings)
    clock = MovableClock()
    adapters = build_adapters(settings)
    components = assemble(store, settings, adapters, clock=clock)
    return Hub(store, components, build_journey_engine(components), clock), adapters


@pytest.fixture(params=["sqlite", "mongomock"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    """On SQLite and on the Mongo backend over mongomock (an in-process fake, named as one):
    the engine runs on both stores."""
    store: Store | None = None
    client: Any = None
    if request.param == "mongomock":
        from hub.store.mongo import open_mongo_database_store
        from tests.support.async_mongomock import AsyncMongoMockClient

        client = AsyncMongoMockClient()
        store = await open_mongo_database_store(client[f"hub_{new_id()}"])
    opened, adapters = await open_hub(journey_settings(tmp_path), store)
    yield opened
    for adapter in adapters.values():
        await adapter.close()
    await opened.store.close()
    if client is not None:
        await client.close()

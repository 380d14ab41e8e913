"""Services: the hub's use cases on top of the store. No aiohttp here."""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Settings
from hub.ports import Store
from hub.services.directory import DirectoryService
from hub.services.erasure import ErasureService
from hub.services.identities import IdentityService
from hub.services.merge import MergeService
from hub.services.persons import PersonService
from hub.services.timeline import TimelineService


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    identities: IdentityService
    timeline: TimelineService
    persons: PersonService
    directory: DirectoryService
    merge: MergeService
    erasure: ErasureService


def build_services(store: Store, settings: Settings) -> Services:
    identities = IdentityService(store, default_region=settings.default_region,
                                 secret_key=settings.secret_key)
    timeline = TimelineService(store)
    persons = PersonService(store, identities, timeline)
    return Services(
        store=store,
        identities=identities,
        timeline=timeline,
        persons=persons,
        directory=DirectoryService(store, persons, identities),
        merge=MergeService(store, persons, timeline),
        erasure=ErasureService(store, persons, identities),
    )

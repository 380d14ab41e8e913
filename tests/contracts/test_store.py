"""The store itself: ping, close, and opening again on the same database."""

from __future__ import annotations

import pytest

from hub.errors import DuplicateKey, StoreUnavailable
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.backends import Backend
from tests.contracts.checks import assert_same_record


async def test_ping_answers(store: Store) -> None:
    await store.ping()


async def test_backend_names_itself(backend: Backend, store: Store) -> None:
    assert isinstance(store.backend, str)
    assert ("sqlite" if backend.id == "sqlite" else "mongo") in store.backend


async def test_reopening_keeps_data_and_unique_keys(backend: Backend) -> None:
    """Start-up creates the schema/indexes idempotently and the data stays."""
    person = f.full_person()
    identity = f.identity(person.id, "anna@example.org")
    event = f.full_event(person.id)
    async with backend.database() as open_store:
        first = await open_store()
        try:
            await first.persons.insert(person)
            await first.identities.insert(identity)
            await first.events.append(event)
        finally:
            await first.close()

        second = await open_store()
        try:
            await second.ping()
            assert_same_record(await second.persons.get(person.id), person)
            assert_same_record(await second.identities.get("email", "anna@example.org"), identity)
            assert_same_record(await second.events.get(event.id), event)
            with pytest.raises(DuplicateKey):
                await second.identities.insert(f.identity(f.person().id, "anna@example.org"))
            stored, inserted = await second.events.append(
                f.full_event(person.id, external_id=event.external_id)
            )
            assert (stored.id, inserted) == (event.id, False)
        finally:
            await second.close()


async def test_mongo_unreachable_server_raises_store_unavailable() -> None:
    """A real AsyncMongoClient pointed at a host that does not resolve: no server needed.

    (Not a closed port: PyMongo 4.20 leaks the socket of a monitor check cancelled by
    `close()` mid-connect, which the warnings-as-errors setting turns into a failure.)
    """
    from hub.store.mongo import open_mongo_store

    url = (
        "mongodb://hub-unreachable.invalid:27017/hub_unreachable"
        "?serverSelectionTimeoutMS=300&connectTimeoutMS=300&directConnection=true"
    )
    with pytest.raises(StoreUnavailable):
        store = await open_mongo_store(url)
        try:
            await store.ping()
        finally:
            await store.close()

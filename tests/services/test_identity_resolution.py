"""resolve_or_create, the entry point every inbound channel uses, under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from hub.errors import NotFound
from hub.ports import Store
from hub.services.identities import IdentityService


@pytest.fixture
def identities(store: Store) -> IdentityService:
    return IdentityService(store, default_region="NL", secret_key="k" * 32)


async def test_unknown_sender_becomes_a_prospect(identities: IdentityService) -> None:
    first = await identities.resolve_or_create("Nieuw@Example.nl", name="Nieuw")
    assert first.created and first.person.customer_status == "prospect"
    assert first.person.emails == ["nieuw@example.nl"]
    again = await identities.resolve_or_create(" nieuw@EXAMPLE.nl ")
    assert not again.created and again.person.id == first.person.id


async def test_phone_in_any_format_resolves_to_one_person(identities: IdentityService) -> None:
    first = await identities.resolve_or_create("06-1234 5678")
    for form in ("+31 6 12345678", "0031612345678", "+31612345678"):
        assert (await identities.resolve_or_create(form)).person.id == first.person.id


async def test_concurrent_first_contacts_make_one_person(
    identities: IdentityService, store: Store
) -> None:
    results = await asyncio.gather(
        *(identities.resolve_or_create("race@example.com") for _ in range(25)))
    assert len({r.person.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await store.persons.count() == 1


async def test_role_address_resolves_to_person_and_role(
    identities: IdentityService, store: Store
) -> None:
    person = (await identities.resolve_or_create("p@example.com")).person
    await identities.claim(person.id, "email", "p@acme.nl", role_id="role-1")
    found = await identities.resolve_or_create("P@Acme.NL")
    assert (found.person.id, found.role_id, found.created) == (person.id, "role-1", False)


async def test_an_address_whose_person_row_is_gone_is_an_error(
        store: Store, identities: IdentityService) -> None:
    first = await identities.resolve_or_create("lost@example.nl")
    await store._db.run("PRAGMA foreign_keys = OFF")  # type: ignore[attr-defined]
    await store._db.run("DELETE FROM persons WHERE id = ?",  # type: ignore[attr-defined]
                        (first.person.id,))
    with pytest.raises(NotFound):
        await identities.resolve_or_create("lost@example.nl")

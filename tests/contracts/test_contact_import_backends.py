"""The contact import service on every backend: the chunked path (look-ups per chunk, one
batch write) gives the same persons, households and report on MongoDB as on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

from hub.ports import Store
from hub.services.contact_import import ContactImportService, ImportOptions
from hub.services.identities import IdentityService
from hub.services.timeline import TimelineService

TEXT = ("name,email,phone,household_key,street,postcode,organisation,consent_email\n"
        "A,a@example.nl,0611111111,H1,,,Acme,opted_in\n"
        ",a@example.nl,0622222222,H1,,,,\n"
        "C,c@example.nl,,,Laan 1,1234 AB,,opted_in\n"
        "D,d@example.nl,,,laan  1,1234ab,Acme,\n"
        "B,c@example.nl,0622222222,,,,,\n")


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_import_on_every_backend(store: Store) -> None:
    identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
    service = ContactImportService(store, identities, TimelineService(store),
                                   default_region="NL")
    options = ImportOptions(consent_basis="consent", consent_text="Ja")
    report = await service.run(chunks(TEXT.encode()), options)
    assert (report.created, report.updated, report.rejected_total) == (3, 1, 1)
    a = await store.identities.get("phone", "+31622222222")
    c = await store.identities.get("email", "c@example.nl")
    d = await store.identities.get("email", "d@example.nl")
    assert a is not None and c is not None and d is not None
    anna, cees, dirk = [await store.persons.get(i.person_id) for i in (a, c, d)]
    assert anna is not None and cees is not None and dirk is not None
    assert anna.phones == ["+31611111111", "+31622222222"]
    assert anna.consent_for("email").status == "opted_in"
    assert cees.household_id and cees.household_id == dirk.household_id
    assert len(await store.households.find()) == 2
    [acme] = await store.organisations.find()
    assert {r.person_id for r in await store.roles.for_organisation(acme.id)} == {
        anna.id, dirk.id}
    again = await service.run(chunks(TEXT.encode()), options)
    assert (again.created, again.updated, again.unchanged, again.rejected_total) == (
        0, 0, 4, 1)
    assert await store.persons.count() == 3

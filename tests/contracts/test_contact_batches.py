"""store.contact_batches: the contact import's look-ups per chunk and its one write per chunk,
all or nothing when another person holds one of the addresses."""

from __future__ import annotations

import pytest

from hub.domain.parties import Address
from hub.errors import NotFound
from hub.ports import ContactBatch, Store
from tests.contracts import factories as f
from tests.contracts.checks import assert_same_record


async def test_owners_finds_the_stored_addresses_of_both_kinds(store: Store) -> None:
    anna, bert = f.person(), f.person()
    await store.identities.insert(f.identity(anna.id, "anna@example.nl"))
    await store.identities.insert(f.identity(bert.id, "+31612345678", kind="phone"))
    found = await store.contact_batches.owners([
        ("email", "anna@example.nl"), ("phone", "+31612345678"), ("email", "nobody@example.nl"),
        ("phone", "anna@example.nl")])
    assert sorted((i.kind, i.value, i.person_id) for i in found) == [
        ("email", "anna@example.nl", anna.id), ("phone", "+31612345678", bert.id)]
    assert await store.contact_batches.owners([]) == []


async def test_suppressed_and_states_answer_for_many_keys(store: Store) -> None:
    await store.suppressions.add(f.suppression(hash="a" * 64))
    assert await store.contact_batches.suppressed(["a" * 64, "b" * 64]) == {"a" * 64}
    assert await store.contact_batches.suppressed([]) == set()
    await store.channel_state.put("import-household:H1", {"id": "h1"})
    assert await store.contact_batches.states(["import-household:H1", "x"]) == {
        "import-household:H1": {"id": "h1"}}


async def test_households_with_postcodes_ignores_spaces_and_case(store: Store) -> None:
    here = f.household(address=Address(street="Dorpsstraat 1", postcode="1234 ab"))
    there = f.household(address=Address(street="Laan 2", postcode="9999ZZ"))
    await store.households.insert(here)
    await store.households.insert(there)
    await store.households.insert(f.household())  # no address
    found = await store.contact_batches.households_with_postcodes(["1234AB", " 5555 XX "])
    assert [h.id for h in found] == [here.id]
    assert await store.contact_batches.households_with_postcodes([]) == []


def _batch(store_name: str = "a") -> tuple[ContactBatch, str]:
    household = f.household(address=Address(street="Dorpsstraat 1", postcode="1234AB"))
    anna = f.person(emails=[f"{store_name}@example.nl"], phones=["+31612345678"],
                    household_id=household.id)
    organisation = f.organisation(name="Acme BV")
    batch = ContactBatch(
        new_persons=[anna],
        identities=[f.identity(anna.id, f"{store_name}@example.nl"),
                    f.identity(anna.id, "+31612345678", kind="phone")],
        roles=[f.role(anna.id, organisation.id)],
        households=[household], organisations=[organisation],
        states={"import-household:H1": {"id": household.id}},
        events=[f.event(anna.id, household_id=household.id)])
    return batch, anna.id


async def test_write_stores_the_whole_batch(store: Store) -> None:
    batch, anna_id = _batch()
    assert await store.contact_batches.write(batch) is True
    assert_same_record(await store.persons.get(anna_id), batch.new_persons[0])
    owner = await store.identities.get("phone", "+31612345678")
    assert owner is not None and owner.person_id == anna_id
    assert [r.id for r in await store.roles.for_person(anna_id)] == [batch.roles[0].id]
    assert await store.households.get(batch.households[0].id) is not None
    assert await store.organisations.get(batch.organisations[0].id) is not None
    assert await store.channel_state.get("import-household:H1") == {
        "id": batch.households[0].id}
    assert await store.events.get(batch.events[0].id) is not None
    # the new person is found by name and address like one inserted alone
    assert anna_id in await store.search.containing("person", ["vries"], limit=10)


async def test_write_changes_persons_and_keeps_addresses_they_hold(store: Store) -> None:
    anna = f.person(emails=["anna@example.nl"])
    await store.persons.insert(anna)
    await store.identities.insert(f.identity(anna.id, "anna@example.nl"))
    changed = anna.model_copy(update={"name": "Anna Jansen",
                                      "emails": ["anna@example.nl", "a2@example.nl"]})
    batch = ContactBatch(changed_persons=[changed], identities=[
        f.identity(anna.id, "anna@example.nl"), f.identity(anna.id, "a2@example.nl")])
    assert await store.contact_batches.write(batch) is True
    stored = await store.persons.get(anna.id)
    assert stored is not None and stored.name == "Anna Jansen"
    assert sorted(i.value for i in await store.identities.for_person(anna.id)) == [
        "a2@example.nl", "anna@example.nl"]
    assert anna.id in await store.search.containing("person", ["jansen"], limit=10)


async def test_an_address_held_by_another_person_writes_nothing(store: Store) -> None:
    other = f.person()
    await store.identities.insert(f.identity(other.id, "+31612345678", kind="phone"))
    batch, anna_id = _batch()
    assert await store.contact_batches.write(batch) is False
    assert await store.persons.get(anna_id) is None
    assert await store.identities.get("email", "a@example.nl") is None
    owner = await store.identities.get("phone", "+31612345678")
    assert owner is not None and owner.person_id == other.id
    assert await store.households.get(batch.households[0].id) is None
    assert await store.organisations.get(batch.organisations[0].id) is None
    assert await store.roles.for_person(anna_id) == []
    assert await store.channel_state.get("import-household:H1") is None
    assert await store.events.get(batch.events[0].id) is None


async def test_changing_a_missing_person_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.contact_batches.write(ContactBatch(changed_persons=[f.person()]))


async def test_an_empty_batch_writes_nothing(store: Store) -> None:
    assert await store.contact_batches.write(ContactBatch()) is True
    assert await store.persons.count() == 0

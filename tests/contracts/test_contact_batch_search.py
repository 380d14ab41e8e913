"""store.contact_batches.write keeps staff search complete: every person, household and address
of a large batch (the search rows go in set-based, not per record) is found by name, by one
typo, by email and by postcode; a changed person is found under the new name only."""

from __future__ import annotations

from hub.domain.parties import Address
from hub.domain.search import name_keys, words
from hub.ports import ContactBatch, Store
from tests.contracts import factories as f

NAMES = ("Émile Zola", "Anna de Vries", "Bert Jansen", "Cora Bakker", "Daan Visser")


def _large_batch(size: int) -> ContactBatch:
    batch = ContactBatch()
    for i in range(size):
        household = f.household(name=f"Huize Nummer{i}", address=Address(
            street=f"Dorpsstraat {i}", postcode=f"{1000 + i} AB"))
        person = f.person(name=f"{NAMES[i % len(NAMES)]} Lid{i:04d}",
                          emails=[f"lid{i:04d}@example.nl"], household_id=household.id)
        batch.new_persons.append(person)
        batch.households.append(household)
        batch.identities.append(f.identity(person.id, f"lid{i:04d}@example.nl"))
    return batch


async def _similar(store: Store, name: str) -> list[str]:
    groups = [name_keys(word) for word in words(name)]
    return [found for found, _ in await store.search.similar_names(
        "person", groups, limit=10)]


async def test_every_person_of_a_large_batch_is_found(store: Store) -> None:
    batch = _large_batch(60)
    assert await store.contact_batches.write(batch) is True
    for i, (person, household) in enumerate(zip(batch.new_persons, batch.households,
                                                strict=True)):
        assert await store.search.containing("person", [f"lid{i:04d}"], limit=10) == [
            person.id]
        assert await store.search.containing(
            "person", [f"lid{i:04d}@example"], limit=10) == [person.id]
        assert await _similar(store, f"Lid{i:04d}x") == [person.id]  # one typo
        assert await store.search.containing(
            "household", [f"{1000 + i}ab"], limit=10) == [household.id]
    assert len(await store.search.containing("person", ["emile"], limit=1000)) == 12


async def test_a_changed_person_is_found_under_the_new_name_only(store: Store) -> None:
    batch = _large_batch(50)
    assert await store.contact_batches.write(batch) is True
    renamed = [p.model_copy(update={"name": f"Herdoopt Lid{i:04d}"})
               for i, p in enumerate(batch.new_persons[:20])]
    assert await store.contact_batches.write(ContactBatch(changed_persons=renamed)) is True
    for i, person in enumerate(batch.new_persons):
        name = "herdoopt" if i < 20 else NAMES[i % len(NAMES)].split()[-1].lower()
        assert person.id in await store.search.containing("person", [name], limit=100)
        assert await store.search.containing("person", [f"lid{i:04d}@"], limit=10) == [
            person.id]  # the address stays findable
    assert len(await store.search.containing("person", ["herdoopt"], limit=100)) == 20
    assert {p.id for p in renamed}.isdisjoint(
        await store.search.containing("person", ["zola"], limit=100)
        + await store.search.containing("person", ["vries"], limit=100))

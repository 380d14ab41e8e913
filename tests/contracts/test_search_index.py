"""`store.search`: the indexes behind staff search, on every backend.

Phone numbers by their last digits, any part of a name, email address or postcode, one-typo
name candidates; each answer distinct ids in id order after a cursor. The index follows every
write: insert, replace (rename, merge, erasure), identity delete and reassign."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.domain.identities import Identity
from hub.domain.parties import Address, Person
from hub.domain.search import deletions, fold, words
from hub.ports import Store
from tests.contracts import factories as f


async def _person(store: Store, name: str, *, emails: tuple[str, ...] = (),
                  phones: tuple[str, ...] = ()) -> Person:
    person = f.person(name=name, emails=list(emails), phones=list(phones))
    await store.persons.insert(person)
    for value in emails:
        await store.identities.insert(Identity(kind="email", value=value, person_id=person.id))
    for value in phones:
        await store.identities.insert(Identity(kind="phone", value=value, person_id=person.id))
    return person


async def _contains(store: Store, text: str, kind: str = "person") -> list[str]:
    return await store.search.containing(kind, words(text), limit=50)  # type: ignore[arg-type]


async def _similar(store: Store, word: str, kind: str = "person") -> list[str]:
    found = await store.search.similar_names(
        kind, [sorted(deletions(w)) for w in fold(word).split()],  # type: ignore[arg-type]
        limit=50)
    return [person_id for person_id, _ in found]


async def test_phone_suffix_finds_the_last_digits(store: Store) -> None:
    ingrid = await _person(store, "Ingrid Willems", phones=("+31643056562",))
    other = await _person(store, "Kees Bakker", phones=("+31612346562", "+31201234567"))
    await _person(store, "Piet Smit", phones=("+31612345678",))
    assert await store.search.phone_suffix("6562", limit=10) == sorted([ingrid.id, other.id])
    assert await store.search.phone_suffix("43056562", limit=10) == [ingrid.id]
    assert await store.search.phone_suffix("31643056562", limit=10) == [ingrid.id]
    assert await store.search.phone_suffix("4567", limit=10) == [other.id]
    assert await store.search.phone_suffix("9999", limit=10) == []
    # the middle of a number is not its end
    assert await store.search.phone_suffix("4305", limit=10) == []


async def test_phone_suffix_pages_by_id_and_counts_a_person_once(store: Store) -> None:
    made = [await _person(store, f"P{i}", phones=(f"+316123{i:03d}62", f"+316124{i:03d}62"))
            for i in range(7)]
    expected = sorted(p.id for p in made)
    first = await store.search.phone_suffix("62", limit=3)
    assert first == expected[:3]
    second = await store.search.phone_suffix("62", limit=3, after_id=first[-1])
    assert second == expected[3:6]
    third = await store.search.phone_suffix("62", limit=3, after_id=second[-1])
    assert third == expected[6:]


async def test_a_role_phone_and_email_find_the_person(store: Store) -> None:
    person = await _person(store, "Ingrid Willems")
    await store.identities.insert(Identity(kind="phone", value="+31201236562",
                                           person_id=person.id, role_id=new_id()))
    await store.identities.insert(Identity(kind="email", value="i.willems@acme.nl",
                                           person_id=person.id, role_id=new_id()))
    assert await store.search.phone_suffix("236562", limit=10) == [person.id]
    assert await _contains(store, "acme.nl") == [person.id]


async def test_containing_reads_names_and_any_part_of_an_email(store: Store) -> None:
    ingrid = await _person(store, "Ingrid Willems", emails=("ingrid.w1978@example.nl",))
    emile = await _person(store, "Émile ZOLA", emails=("emile@zola.fr",))
    await _person(store, "Kees Bakker", emails=("kees@bakker.nl",))
    assert await _contains(store, "willems") == [ingrid.id]
    assert await _contains(store, "ILLEM") == [ingrid.id]
    assert await _contains(store, "w1978") == [ingrid.id]
    assert await _contains(store, "@example.nl") == [ingrid.id]
    assert await _contains(store, "emile") == [emile.id]  # accents folded
    assert await _contains(store, "zola") == [emile.id]
    assert await _contains(store, "willems ingrid") == [ingrid.id]  # every word, any order
    assert await _contains(store, "ingrid bakker") == []  # all words in one text
    assert await _contains(store, "nl") == sorted([ingrid.id, (await _id(store, "kees"))])
    assert await _contains(store, "xyzzy") == []


async def _id(store: Store, word: str) -> str:
    found = await _contains(store, word)
    assert len(found) == 1
    return found[0]


async def test_words_are_literal_text(store: Store) -> None:
    plain = await _person(store, 'Anna "de" Vries', emails=("a.b%c_d@example.org",))
    await _person(store, "Anna Jansen")
    assert await _contains(store, '"de"') == [plain.id]
    assert await _contains(store, "b%c_d") == [plain.id]
    assert await _contains(store, "a.b") == [plain.id]
    assert await _contains(store, "* OR anna") == []


async def test_households_and_organisations_by_name_and_postcode(store: Store) -> None:
    household = f.household(name="Huishouden Willems",
                            address=Address(postcode="1234 AB", city="Utrecht"))
    await store.households.insert(household)
    organisation = f.organisation(name="Willems Installatie B.V.",
                                  address=Address(postcode="6562 XY"))
    await store.organisations.insert(organisation)
    assert await _contains(store, "willems", "household") == [household.id]
    assert await _contains(store, "1234ab", "household") == [household.id]
    assert await _contains(store, "1234 ab", "household") == [household.id]
    assert await _contains(store, "6562", "organisation") == [organisation.id]
    assert await _contains(store, "installatie", "organisation") == [organisation.id]
    assert await _contains(store, "willems", "person") == []


async def test_similar_names_finds_one_typo_candidates(store: Store) -> None:
    willems = await _person(store, "Ingrid Willems")
    wilms = await _person(store, "Jan Wilms")
    await _person(store, "Kees Bakker")
    assert await _similar(store, "Wilems") == sorted([willems.id, wilms.id])
    keys = [sorted(deletions("wilems"))]
    found = await store.search.similar_names("person", keys, limit=50)
    assert dict(found)[willems.id] == "ingrid willems"
    assert await _similar(store, "Bakkre") != []
    first = await store.search.similar_names("person", keys, limit=1)
    rest = await store.search.similar_names("person", keys, limit=5, after_id=first[0][0])
    assert [i for i, _ in first + rest] == sorted([willems.id, wilms.id])
    # every word must have a key: Ingrid Willems, not Jan Wilms
    assert await _similar(store, "ingrd wilems") == [willems.id]
    assert await _similar(store, "jan wilems") == [wilms.id]


async def test_a_rename_moves_the_name_in_the_index(store: Store) -> None:
    person = await _person(store, "Ingrid Willems")
    await store.persons.replace(person.model_copy(update={"name": "Ingrid Jansen"}))
    assert await _contains(store, "willems") == []
    assert await _similar(store, "wilems") == []
    assert await _contains(store, "jansen") == [person.id]
    household = f.household(name="Fam. Willems")
    await store.households.insert(household)
    await store.households.replace(household.model_copy(update={"name": "Fam. Jansen"}))
    assert await _contains(store, "willems", "household") == []
    assert await _contains(store, "jansen", "household") == [household.id]


async def test_a_merge_leaves_only_the_survivor_findable(store: Store) -> None:
    survivor = await _person(store, "Ingrid Willems", emails=("ingrid@example.nl",))
    duplicate = await _person(store, "I. Willems-Dup", emails=("iw@work.nl",),
                              phones=("+31643056562",))
    await store.identities.reassign_person(duplicate.id, survivor.id)
    await store.persons.replace(duplicate.model_copy(update={"merged_into": survivor.id}))
    assert await store.search.phone_suffix("6562", limit=10) == [survivor.id]
    assert await _contains(store, "work.nl") == [survivor.id]
    assert await _contains(store, "dup") == []
    assert await _similar(store, "wilems") == [survivor.id]


async def test_erasure_removes_every_trace_from_the_index(store: Store) -> None:
    person = await _person(store, "Ingrid Willems", emails=("ingrid@example.nl",),
                           phones=("+31643056562",))
    await store.identities.delete_for_person(person.id)
    await store.persons.replace(Person(id=person.id, erased_at=f.at()))
    assert await store.search.phone_suffix("6562", limit=10) == []
    assert await _contains(store, "ingrid") == []
    assert await _contains(store, "example") == []
    assert await _similar(store, "wilems") == []


async def test_deleting_an_address_or_a_person_unindexes_it(store: Store) -> None:
    person = await _person(store, "Ingrid Willems", emails=("ingrid@example.nl",),
                           phones=("+31643056562",))
    assert await store.identities.delete("email", "ingrid@example.nl")
    assert await store.identities.delete("phone", "+31643056562")
    assert await _contains(store, "example") == []
    assert await store.search.phone_suffix("6562", limit=10) == []
    assert await _contains(store, "ingrid") == [person.id]
    assert await store.persons.delete(person.id)
    assert await _contains(store, "ingrid") == []
    assert await _similar(store, "wilems") == []


async def test_limit_below_one_finds_nothing(store: Store) -> None:
    await _person(store, "Ingrid Willems", phones=("+31643056562",))
    assert await store.search.phone_suffix("6562", limit=0) == []
    assert await _contains(store, "ingrid") != []
    assert await store.search.containing("person", ["ingrid"], limit=0) == []
    assert await store.search.similar_names("person", [["wilems"]], limit=0) == []
    assert await store.search.similar_names("person", [["wilems"], []], limit=5) == []

"""The MongoDB side of staff search, without Atlas Search: each person, household,
organisation and identity document carries a `search` field derived from it on every write
(`search_fields`), indexed by ordinary (multikey) indexes:

- `search.grams`: the trigrams of the folded texts; "contains every word" asks for all the
  query's trigrams (`$all`, one index lookup) and checks the words on the folded text with an
  escaped regular expression;
- `search.keys`: the one-deletion forms of the name's words (`hub.domain.search.name_keys`);
- `search.suffix` (phone identities): the E.164 digits reversed, so a suffix is a range.

A merged or erased person's document has no `search` field, so it is in no index; an erased
person's identities are deleted with their `search` field. Documents written before this
existed get theirs once, at start-up (`backfill`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hub.domain.identities import Identity
from hub.domain.parties import Household, Organisation, Person
from hub.domain.search import (
    MIN_KEYED_WORD,
    PartyKind,
    compact_postcode,
    fold,
    name_keys,
    reversed_digits,
    suffix_range,
    trigrams,
)
from hub.store.mongo_base import Doc, driver_errors

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

SEARCH_VERSION = 1
BACKFILL_BATCH = 500
COLLECTION_OF: dict[PartyKind, str] = {
    "person": "persons", "household": "households", "organisation": "organisations"}
ACTIVE_PERSON: Doc = {"merged_into": None, "erased_at": None}


def party_search(party: Person | Household | Organisation) -> Doc | None:
    """The `search` field of a party's document; None for a merged or erased person."""
    if isinstance(party, Person) and not party.is_active:
        return None
    name = fold(party.name)
    doc: Doc = {"name": name, "keys": name_keys(party.name)}
    grams = trigrams(name)
    if not isinstance(party, Person):
        postcode = compact_postcode(party.address.postcode)
        doc["postcode"] = postcode
        grams |= trigrams(postcode)
    doc["grams"] = sorted(grams)
    return doc


def identity_search(identity: Identity) -> Doc:
    if identity.kind == "phone":
        return {"suffix": reversed_digits(identity.value)}
    text = fold(identity.value)
    return {"text": text, "grams": sorted(trigrams(text))}


def with_search(doc: Doc, search: Doc | None) -> Doc:
    if search is not None:
        doc["search"] = search
    return doc


def _contains_all(field: str, words: Sequence[str]) -> Doc:
    return {"$and": [{field: {"$regex": re.escape(w)}} for w in words]}


def _grams_of(words: Sequence[str]) -> list[str]:
    grams: set[str] = set()
    for word in words:
        if len(word) >= MIN_KEYED_WORD:
            grams |= trigrams(word)
    return sorted(grams)


def _id_after(field: str, after_id: str | None) -> Doc:
    return {} if after_id is None else {field: {"$gt": after_id}}


class MongoSearchRepo:
    def __init__(self, database: AsyncDatabase[Doc]) -> None:
        self._db = database

    async def _ids(self, collection: str, query: Doc, limit: int) -> list[str]:
        if limit < 1:
            return []
        with driver_errors(collection):
            cursor = self._db[collection].find(query, {"_id": 1}).sort([("_id", 1)]).limit(limit)
            return [doc["_id"] for doc in await cursor.to_list()]

    async def _person_ids_of_identities(self, match: Doc, limit: int) -> list[str]:
        """Distinct owners of matching identities, in id order, active persons only."""
        if limit < 1:
            return []
        pipeline: list[Doc] = [{"$match": match}, {"$group": {"_id": "$person_id"}},
                               {"$sort": {"_id": 1}}, {"$limit": limit}]
        with driver_errors("identities"):
            cursor = await self._db["identities"].aggregate(pipeline)
            owners = [doc["_id"] for doc in await cursor.to_list()]
        if not owners:
            return []
        return await self._ids("persons", {"_id": {"$in": owners}, **ACTIVE_PERSON}, limit)

    async def phone_suffix(
        self, digits: str, *, limit: int, after_id: str | None = None
    ) -> list[str]:
        low, high = suffix_range(digits)
        match = {"search.suffix": {"$gte": low, "$lt": high},
                 **_id_after("person_id", after_id)}
        return await self._person_ids_of_identities(match, limit)

    async def containing(
        self, kind: PartyKind, words: Sequence[str], *, limit: int, after_id: str | None = None
    ) -> list[str]:
        wanted = [w for w in words if w]
        if not wanted:
            return []
        grams = _grams_of(wanted)
        by_grams: Doc = {"search.grams": {"$all": grams}} if grams else {}
        fields = ["search.name"] if kind == "person" else ["search.name", "search.postcode"]
        query: Doc = {**by_grams, **_id_after("_id", after_id),
                      "$or": [_contains_all(field, wanted) for field in fields]}
        found = await self._ids(COLLECTION_OF[kind], query, limit)
        if kind == "person":
            emails = {"kind": "email", **by_grams, **_contains_all("search.text", wanted),
                      **_id_after("person_id", after_id)}
            found = sorted(set(found) | set(await self._person_ids_of_identities(emails, limit)))
        return found[:limit]

    async def similar_names(
        self, kind: PartyKind, key_groups: Sequence[Sequence[str]], *, limit: int,
        after_id: str | None = None,
    ) -> list[tuple[str, str]]:
        groups = [sorted(set(group)) for group in key_groups]
        if not groups or not all(groups) or limit < 1:
            return []
        query = {"$and": [{"search.keys": {"$in": group}} for group in groups],
                 **_id_after("_id", after_id)}
        collection = COLLECTION_OF[kind]
        with driver_errors(collection):
            cursor = self._db[collection].find(query, {"search.name": 1}).sort(
                [("_id", 1)]).limit(limit)
            return [(doc["_id"], doc["search"]["name"]) for doc in await cursor.to_list()]


async def backfill(database: AsyncDatabase[Doc]) -> None:
    """Give every document written before search existed its `search` field, once."""
    meta = database["meta"]
    with driver_errors("meta"):
        done = await meta.find_one({"_id": "search"})
    if done is not None and done.get("version", 0) >= SEARCH_VERSION:
        return
    models: dict[str, Any] = {"persons": Person, "households": Household,
                              "organisations": Organisation, "identities": Identity}
    for collection, model in models.items():
        last: Any = None
        while True:
            query: Doc = {"search": {"$exists": False}, **_id_after("_id", last)}
            with driver_errors(collection):
                docs = await database[collection].find(query).sort(
                    [("_id", 1)]).limit(BACKFILL_BATCH).to_list()
            for doc in docs:
                search = (identity_search(Identity.model_validate(doc)) if model is Identity
                          else party_search(model.model_validate({**doc, "id": doc["_id"]})))
                if search is not None:
                    with driver_errors(collection):
                        await database[collection].update_one(
                            {"_id": doc["_id"]}, {"$set": {"search": search}})
            if len(docs) < BACKFILL_BATCH:
                break
            last = docs[-1]["_id"]
    with driver_errors("meta"):
        await meta.update_one({"_id": "search"}, {"$max": {"version": SEARCH_VERSION}},
                              upsert=True)

"""MongoDB side of the contact import's chunks (`ContactBatchRepo`): one query per kind of
look-up, bulk writes per chunk.

Without a multi-document transaction the order makes the chunk all or nothing where it can
fail: new persons first, then their addresses in one unordered `insert_many` (the unique
`identities_kind_value` index decides a race); when another writer holds one of them, what
this write inserted is deleted again and nothing else was written yet. Only then the changed
persons, roles, households, organisations, channel state and events go in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Household
from hub.errors import NotFound
from hub.ports import ContactBatch
from hub.store.mongo_base import DUPLICATE_KEY_CODE, MongoCollection
from hub.store.mongo_events import MongoEventRepo
from hub.store.mongo_repos import (
    MongoChannelStateRepo,
    MongoHouseholdRepo,
    MongoIdentityRepo,
    MongoOrganisationRepo,
    MongoPersonRepo,
    MongoRoleRepo,
    MongoSuppressionRepo,
)


def _postcode_pattern(postcode: str) -> re.Pattern[str]:
    spaced = r"\s*".join(re.escape(c) for c in "".join(postcode.split()))
    return re.compile(rf"^\s*{spaced}\s*$", re.IGNORECASE)


class MongoContactBatches:
    def __init__(self, *, persons: MongoPersonRepo, households: MongoHouseholdRepo,
                 organisations: MongoOrganisationRepo, roles: MongoRoleRepo,
                 identities: MongoIdentityRepo, events: MongoEventRepo,
                 suppressions: MongoSuppressionRepo, states: MongoChannelStateRepo) -> None:
        self._persons = persons
        self._households = households
        self._organisations = organisations
        self._roles = roles
        self._identities = identities
        self._events = events
        self._suppressions = suppressions
        self._states = states

    async def owners(self, addresses: Sequence[tuple[AddressKind, str]]) -> list[Identity]:
        found: list[Identity] = []
        for kind in ("email", "phone"):
            values = sorted({value for k, value in addresses if k == kind})
            if values:
                found += await self._identities._records(
                    {"kind": kind, "value": {"$in": values}})
        return found

    async def suppressed(self, hashes: Sequence[str]) -> set[str]:
        if not hashes:
            return set()
        docs = await self._suppressions._find_docs({"_id": {"$in": sorted(set(hashes))}})
        return {str(doc["_id"]) for doc in docs}

    async def states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        docs = await self._states._find_docs({"_id": {"$in": sorted(set(keys))}})
        return {str(doc["_id"]): dict(doc["value"]) for doc in docs}

    async def households_with_postcodes(self, postcodes: Sequence[str]) -> list[Household]:
        wanted = sorted({"".join(p.split()).upper() for p in postcodes} - {""})
        if not wanted:
            return []
        return await self._households._records(
            {"$or": [{"address.postcode": _postcode_pattern(p)} for p in wanted]})

    async def write(self, batch: ContactBatch) -> bool:
        if not batch:
            return True
        held = await self._held(batch.identities)
        if held is None:
            return False
        new = [i for i in batch.identities if (i.kind, i.value) not in held]
        await _insert_all(self._persons, [self._persons._to_doc(p) for p in batch.new_persons])
        if not await self._claim(new):
            await _delete_ids(self._persons, [p.id for p in batch.new_persons])
            return False
        if batch.changed_persons:
            with self._persons._errors():
                result = await self._persons._c.bulk_write(
                    [ReplaceOne({"_id": p.id}, self._persons._to_doc(p))
                     for p in batch.changed_persons], ordered=False)
            if result.matched_count != len(batch.changed_persons):
                raise NotFound("persons: a changed person is not there")
        await _insert_all(self._roles, [self._roles._to_doc(r) for r in batch.roles])
        await _insert_all(self._households,
                          [self._households._to_doc(h) for h in batch.households])
        await _insert_all(self._organisations,
                          [self._organisations._to_doc(o) for o in batch.organisations])
        if batch.states:
            with self._states._errors():
                await self._states._c.bulk_write(
                    [ReplaceOne({"_id": key}, {"_id": key, "value": value}, upsert=True)
                     for key, value in batch.states.items()], ordered=False)
        await self._events.append_many(batch.events)
        return True

    async def _held(self, identities: Sequence[Identity]) -> set[tuple[str, str]] | None:
        wanted = {(i.kind, i.value): i.person_id for i in identities}
        held: set[tuple[str, str]] = set()
        for stored in await self.owners([(i.kind, i.value) for i in identities]):
            if wanted[(stored.kind, stored.value)] != stored.person_id:
                return None
            held.add((stored.kind, stored.value))
        return held

    async def _claim(self, identities: Sequence[Identity]) -> bool:
        """Insert the addresses; on a clash, delete the ones this call inserted: False."""
        if not identities:
            return True
        docs = [self._identities._to_doc(i) for i in identities]
        with self._identities._errors():
            try:
                await self._identities._c.insert_many(docs, ordered=False)
                return True
            except BulkWriteError as e:
                errors = e.details.get("writeErrors", [])
                if any(error.get("code") != DUPLICATE_KEY_CODE for error in errors):
                    raise
                failed = {error.get("index") for error in errors}
        for index, identity in enumerate(identities):
            if index not in failed:
                await self._identities._delete_one({"kind": identity.kind,
                                                   "value": identity.value,
                                                   "person_id": identity.person_id})
        return False


async def _insert_all(repo: MongoCollection, docs: list[dict[str, Any]]) -> None:
    if docs:
        with repo._errors():
            await repo._c.insert_many(docs, ordered=True)


async def _delete_ids(repo: MongoCollection, ids: list[str]) -> None:
    if ids:
        with repo._errors():
            await repo._c.delete_many({"_id": {"$in": ids}})

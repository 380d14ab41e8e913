"""MongoDB repositories for parties, addresses, staff, revenue, channel bookkeeping,
quarantined input, form definitions and throttle slots."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from pymongo.errors import ExecutionTimeout

from hub.domain.common import to_utc_ms, utcnow
from hub.domain.forms import FormDefinition
from hub.domain.identities import AddressKind, Identity, Suppression
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.quarantine import QuarantineEntry, QuarantineStatus
from hub.domain.segments import Predicate
from hub.domain.staff import ApiToken, User
from hub.domain.transactions import Transaction
from hub.errors import DuplicateKey, FilterTooExpensive, HubError
from hub.i18n import N_
from hub.store.mongo_base import (
    CrudRepo,
    Doc,
    MongoCollection,
    PersonLinked,
    Query,
    R,
    RecordRepo,
    Repo,
    name_pattern,
)
from hub.store.mongo_search import identity_search, party_search, with_search
from hub.store.mongo_segments import Compiled

ACTIVE_PERSON: Query = {"merged_into": None, "erased_at": None}
"""`None` matches a missing field too, so documents written before a field existed count."""


class MongoPersonRepo(CrudRepo[Person]):
    model = Person

    def _to_doc(self, record: Person) -> Doc:
        return with_search(super()._to_doc(record), party_search(record))

    async def get_many(self, person_ids: Sequence[str]) -> list[Person]:
        if not person_ids:
            return []
        return await self._records({"_id": {"$in": list(person_ids)}})

    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[Person]:
        query = dict(ACTIVE_PERSON)
        if name_contains is not None:
            query.update(name_pattern(name_contains))
        return await self._page(query, limit=limit, after_id=after_id)

    async def in_household(self, household_id: str) -> list[Person]:
        return await self._records({**ACTIVE_PERSON, "household_id": household_id})

    async def count(self) -> int:
        return await self._count(ACTIVE_PERSON)

    async def _aggregate(self, pipeline: list[Doc], budget: float | None = None) -> list[Doc]:
        options: dict[str, Any] = {} if budget is None else {
            "maxTimeMS": max(1, int(budget * 1000))}
        try:
            with self._errors():
                cursor = await self._c.aggregate(pipeline, **options)
                return await cursor.to_list()
        except HubError as exc:
            if budget is not None and isinstance(exc.__cause__, ExecutionTimeout):
                raise FilterTooExpensive(N_(
                    "This filter is too expensive: counting it took longer than allowed. "
                    "Use fewer conditions or shorter lists of values."),
                    details={"budget_seconds": budget}) from exc
            raise

    async def count_matching(self, predicate: Predicate, *, budget: float | None = None) -> int:
        compiled = Compiled(predicate)
        pipeline = [{"$match": dict(ACTIVE_PERSON)}, *compiled.stages, {"$count": "n"}]
        found = await self._aggregate(pipeline, budget)
        return int(found[0]["n"]) if found else 0

    async def find_matching(
        self, predicate: Predicate, *, limit: int = 50, after_id: str | None = None,
        budget: float | None = None,
    ) -> list[Person]:
        if limit < 1:
            return []
        first: Doc = dict(ACTIVE_PERSON)
        if after_id is not None:
            first["_id"] = {"$gt": after_id}
        compiled = Compiled(predicate)
        pipeline = [{"$match": first}, {"$sort": {"_id": 1}}, *compiled.stages,
                    {"$limit": limit},
                    {"$project": {name: 0 for name in compiled.helper_fields()}}]
        return [self._from_doc(doc) for doc in await self._aggregate(pipeline, budget)]

    async def matching_ids(self, predicate: Predicate, person_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(person_ids))
        if not wanted:
            return set()
        compiled = Compiled(predicate)
        pipeline = [{"$match": {**ACTIVE_PERSON, "_id": {"$in": wanted}}}, *compiled.stages,
                    {"$project": {"_id": 1}}]
        return {doc["_id"] for doc in await self._aggregate(pipeline)}


class _NamedRepo(CrudRepo[R]):
    """Households and organisations: paged, optionally filtered by name."""

    def _to_doc(self, record: R) -> Doc:
        party: Household | Organisation = record  # type: ignore[assignment]
        return with_search(super()._to_doc(record), party_search(party))

    async def get_many(self, record_ids: Sequence[str]) -> list[R]:
        if not record_ids:
            return []
        return await self._records({"_id": {"$in": list(set(record_ids))}})

    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[R]:
        query = {} if name_contains is None else name_pattern(name_contains)
        return await self._page(query, limit=limit, after_id=after_id)

    async def with_postcode(self, postcode: str, *, limit: int = 50) -> list[R]:
        wanted = "".join(postcode.split())
        if not wanted:
            return []
        spaced = r"\s*".join(re.escape(c) for c in wanted)
        query = {"address.postcode": {"$regex": rf"^\s*{spaced}\s*$", "$options": "i"}}
        return await self._page(query, limit=limit, after_id=None)


class MongoHouseholdRepo(_NamedRepo[Household]):
    model = Household


class MongoOrganisationRepo(_NamedRepo[Organisation]):
    model = Organisation


class MongoRoleRepo(CrudRepo[Role], PersonLinked):
    model = Role

    async def for_person(self, person_id: str) -> list[Role]:
        return await self._records({"person_id": person_id})

    async def for_persons(self, person_ids: Sequence[str]) -> list[Role]:
        if not person_ids:
            return []
        return await self._records({"person_id": {"$in": list(set(person_ids))}})

    async def for_organisation(
        self, organisation_id: str, *, limit: int = 50, after_id: str | None = None
    ) -> list[Role]:
        return await self._page(
            {"organisation_id": organisation_id}, limit=limit, after_id=after_id
        )


class MongoIdentityRepo(Repo[Identity], PersonLinked):
    """Unique on (kind, value) through the `identities_kind_value` index; `_id` is MongoDB's."""

    model = Identity
    ORDER = [("kind", 1), ("value", 1)]

    def _to_doc(self, record: Identity) -> Doc:
        return with_search(super()._to_doc(record), identity_search(record))

    async def insert(self, identity: Identity) -> None:
        await self._insert(identity)

    async def get(self, kind: AddressKind, value: str) -> Identity | None:
        return await self._record({"kind": kind, "value": value})

    async def for_person(self, person_id: str) -> list[Identity]:
        return await self._records({"person_id": person_id}, sort=self.ORDER)

    async def delete(self, kind: AddressKind, value: str) -> bool:
        return await self._delete_one({"kind": kind, "value": value})

    async def delete_for_person(self, person_id: str) -> list[Identity]:
        docs = await self._find_docs({"person_id": person_id}, sort=self.ORDER)
        if docs:
            with self._errors():
                await self._c.delete_many({"_id": {"$in": [doc["_id"] for doc in docs]}})
        return [self._from_doc(doc) for doc in docs]


class MongoSuppressionRepo(Repo[Suppression]):
    """Keyed by the address hash itself, so adding one twice keeps the first record."""

    model = Suppression

    def _to_doc(self, record: Suppression) -> Doc:
        return {"_id": record.hash, **record.to_doc()}

    async def add(self, suppression: Suppression) -> None:
        with suppress(DuplicateKey):  # already suppressed: the first record (and its time) stays
            await self._insert(suppression)

    async def contains(self, address_hash: str) -> bool:
        return await self._count({"_id": address_hash}) > 0


def email_key(email: str) -> str:
    return email.strip().lower()


class MongoUserRepo(CrudRepo[User]):
    """`email_key` (the lower-cased email) carries the unique index; `email` stays as given."""

    model = User

    def _to_doc(self, record: User) -> Doc:
        return {**super()._to_doc(record), "email_key": email_key(record.email)}

    async def get_by_email(self, email: str) -> User | None:
        return await self._record({"email_key": email_key(email)})

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[User]:
        return await self._page({}, limit=limit, after_id=after_id)

    async def count(self) -> int:
        return await self._count({})


class MongoTokenRepo(RecordRepo[ApiToken]):
    model = ApiToken

    async def insert(self, token: ApiToken) -> None:
        await self._insert(token)

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return await self._record({"token_hash": token_hash})

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[ApiToken]:
        return await self._page({}, limit=limit, after_id=after_id)

    async def revoke(self, token_id: str) -> bool:
        """True when this call revoked the token; an unknown or already revoked one gives False."""
        changed = await self._update_many(
            {"_id": token_id, "revoked_at": None}, {"$set": {"revoked_at": utcnow()}}
        )
        return changed == 1


class MongoTransactionRepo(RecordRepo[Transaction], PersonLinked):
    model = Transaction

    async def replace(self, transaction: Transaction) -> None:
        await self._replace(transaction)

    async def append_many(self, transactions: Sequence[Transaction]) -> int:
        return await self._insert_new(transactions)

    async def count(self) -> int:
        return await self._count({})

    async def for_person(self, person_id: str, *, limit: int,
                         after_id: str | None = None) -> list[Transaction]:
        return await self._page({"person_id": person_id}, limit=limit, after_id=after_id)


class MongoChannelStateRepo(MongoCollection):
    """One document per key: `{"_id": key, "value": {...}}`."""

    async def get(self, key: str) -> dict[str, Any] | None:
        doc = await self._find_doc({"_id": key})
        return None if doc is None else dict(doc["value"])

    async def put(self, key: str, value: dict[str, Any]) -> None:
        with self._errors():
            await self._c.replace_one({"_id": key}, {"_id": key, "value": value}, upsert=True)

    async def delete(self, key: str) -> bool:
        return await self._delete_one({"_id": key})


class MongoQuarantineRepo(CrudRepo[QuarantineEntry]):
    """`sha256` carries the unique `quarantine_sha256` index: the same raw bytes are held
    once."""

    model = QuarantineEntry

    async def get_by_sha256(self, sha256: str) -> QuarantineEntry | None:
        return await self._record({"sha256": sha256})

    async def drop_duplicates(self) -> None:
        """Before the unique index exists (a database from an older release): keep one entry
        per sha256, the one a retry resolved if any, else the oldest."""
        pipeline: list[dict[str, Any]] = [
            {"$sort": {"_id": 1}},
            {"$group": {"_id": "$sha256", "ids": {"$push": "$_id"},
                        "statuses": {"$push": "$status"}, "count": {"$sum": 1}}},
            {"$match": {"count": {"$gt": 1}}},
        ]
        with self._errors():
            groups = await (await self._c.aggregate(pipeline)).to_list()
            for group in groups:
                ids, statuses = group["ids"], group["statuses"]
                keep = ids[statuses.index("resolved")] if "resolved" in statuses else ids[0]
                await self._c.delete_many({"_id": {"$in": [i for i in ids if i != keep]}})

    async def find(
        self,
        *,
        status: QuarantineStatus | None = None,
        limit: int = 50,
        after_id: str | None = None,
    ) -> list[QuarantineEntry]:
        query: Query = {} if status is None else {"status": status}
        return await self._page(query, limit=limit, after_id=after_id)


class MongoFormRepo(CrudRepo[FormDefinition]):
    """`slug` carries the unique `forms_slug` index."""

    model = FormDefinition

    async def get_by_slug(self, slug: str) -> FormDefinition | None:
        return await self._record({"slug": slug})

    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[FormDefinition]:
        return await self._page({}, limit=limit, after_id=after_id)


class MongoThrottleRepo(MongoCollection):
    """One document per slot: `{"_id": key, "until": date}`.

    The update matches only a free or expired slot; when the slot exists but is held, the
    upsert tries to insert a second document with the same `_id`, which the server refuses
    with a duplicate key: that refusal is the "held" answer, decided by the database.
    """

    async def try_acquire(self, key: str, until: datetime, now: datetime) -> bool:
        try:
            with self._errors():
                await self._c.find_one_and_update(
                    {"_id": key, "until": {"$lte": to_utc_ms(now)}},
                    {"$set": {"until": to_utc_ms(until)}},
                    upsert=True,
                )
        except DuplicateKey:
            return False
        return True

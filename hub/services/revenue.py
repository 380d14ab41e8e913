"""Transactions: revenue attributed to a person, household or organisation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.domain.common import new_id
from hub.domain.transactions import Transaction
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.ports import Store

MAX_BATCH = 10_000


class TransactionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = None
    household_id: str | None = None
    organisation_id: str | None = None
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    occurred_at: datetime
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _one_party(self) -> TransactionInput:
        if not (self.person_id or self.household_id or self.organisation_id):
            raise ValueError("give person_id, household_id or organisation_id")
        return self


@dataclass(frozen=True, slots=True)
class ImportCounts:
    imported: int
    duplicates: int


TransactionListener = Callable[[Sequence[Transaction]], Awaitable[object]]


class TransactionLog:
    """Records transactions and tells its listeners (journey triggers and goals) about every
    batch, replays included: listeners must be idempotent."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._listeners: list[TransactionListener] = []

    def add_listener(self, listener: TransactionListener) -> None:
        self._listeners.append(listener)

    async def record(self, inputs: list[TransactionInput]) -> ImportCounts:
        counts, records = await _record(self._store, inputs)
        for listener in self._listeners:
            await listener(records)
        return counts


async def record_transactions(store: Store, inputs: list[TransactionInput]) -> ImportCounts:
    """As `TransactionLog.record`, without listeners."""
    return (await _record(store, inputs))[0]


async def _record(store: Store, inputs: list[TransactionInput]
                  ) -> tuple[ImportCounts, list[Transaction]]:
    """All or nothing on validation (every referenced party must exist); idempotent on
    external_id, so a retried batch imports nothing twice."""
    if len(inputs) > MAX_BATCH:
        raise InvalidInput(N_("at most %(max_batch)s transactions per request"),
                           params={"max_batch": MAX_BATCH})
    missing = []
    for attr, repo in (("person_id", store.persons), ("household_id", store.households),
                       ("organisation_id", store.organisations)):
        for party_id in sorted({getattr(t, attr) for t in inputs} - {None}):
            if await repo.get(party_id) is None:
                missing.append({"field": attr, "value": party_id})
    if missing:
        raise InvalidInput(N_("unknown %(field)s %(value)s"),
                           params={"field": missing[0]["field"], "value": missing[0]["value"]},
                           details=missing)
    records = [
        Transaction(id=new_id(), external_id=t.external_id, person_id=t.person_id,
                    household_id=t.household_id, organisation_id=t.organisation_id,
                    amount_minor=int(t.amount * 100), currency=t.currency,
                    occurred_at=t.occurred_at)
        for t in inputs
    ]
    imported = await store.transactions.append_many(records)
    return ImportCounts(imported=imported, duplicates=len(records) - imported), records

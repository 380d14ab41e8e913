"""Revenue attributed to a person, household or organisation (feeds the customer pyramid)."""

from __future__ import annotations

from pydantic import Field, model_validator

from hub.domain.common import Record, UtcDateTime, utcnow


class Transaction(Record):
    """Money in minor units (cents), so sums are exact on every backend."""

    id: str
    external_id: str
    person_id: str | None = None
    household_id: str | None = None
    organisation_id: str | None = None
    amount_minor: int
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    occurred_at: UtcDateTime
    recorded_at: UtcDateTime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _one_party(self) -> Transaction:
        if not (self.person_id or self.household_id or self.organisation_id):
            raise ValueError("a transaction needs person_id, household_id or organisation_id")
        return self

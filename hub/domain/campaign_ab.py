"""A/B tests on a campaign (issue 17): 2 to 5 variants that differ in template (subject and
body), subject line, sender name or send time; a test share of the audience gets them
evenly, the rest waits until the decision and then gets the winner (variant A when no
variant is proven better: `hub.domain.abtest.decide`, no winner on noise).

What is measured and when it decides (`AbRules`) is the journey step's A/B test's, so both
read the same figures the same way (`campaigns.journeys.abtest.succeeded`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.domain.channels import SendableChannel
from hub.domain.common import UtcDateTime
from hub.domain.journeys import AbRules

REST = "rest"
"""The variant of a delivery outside the test share until the decision (then `rest:B`)."""


class CampaignVariant(BaseModel):
    """What differs from the campaign itself; an empty field keeps the campaign's."""

    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, StringConstraints(pattern=r"^[A-E]$")]
    templates: dict[SendableChannel, Annotated[str, StringConstraints(
        min_length=1, max_length=100)]] = Field(default_factory=dict, max_length=10)
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    sender_name: str | None = Field(default=None, min_length=1, max_length=100)
    send_at: UtcDateTime | None = None  # the variant's deliveries wait until then


class CampaignAbTest(AbRules):
    variants: list[CampaignVariant] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _keys(self) -> CampaignAbTest:
        keys = [v.key for v in self.variants]
        if keys != ["ABCDE"[i] for i in range(len(keys))]:
            raise ValueError("variants are keyed A, B, C … in order")
        if self.metric == "conversion" and self.conversion is None:
            raise ValueError("the conversion metric needs `conversion` (the event to count)")
        return self

    def variant(self, key: str) -> CampaignVariant:
        """The variant a delivery's key names (`rest:B` is B)."""
        wanted = key.rpartition(":")[2]
        return next((v for v in self.variants if v.key == wanted), self.variants[0])


def decide_at(ab: CampaignAbTest, started: datetime) -> datetime:
    """When the test is decided: `decide_after_hours` after the campaign started sending."""
    return started + timedelta(hours=ab.decide_after_hours)

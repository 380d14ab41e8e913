"""The relationship model: persons, households, organisations and roles (DESIGN §1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from hub.domain.channels import ADDRESS_FIELD, SendableChannel, sendable
from hub.domain.common import IsoDate, Record, UtcDateTime, utcnow
from hub.domain.consent import ConsentChannel, ConsentState

CustomerStatus = Literal["prospect", "customer", "inactive", "lost"]
PreferredChannel = Literal[SendableChannel, "call"]
Gender = Literal["female", "male", "other", "unknown"]
NEVER = datetime.min.replace(tzinfo=UTC)
AttributeValue = str | int | float | bool | None


class Address(Record):
    street: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=2)


class Person(Record):
    """One human, however many roles and addresses they have."""

    id: str
    name: str = ""
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    household_id: str | None = None
    birth_date: IsoDate | None = None
    gender: Gender | None = None
    income_band: str | None = None
    education: str | None = None
    life_stage: str | None = None
    language: str | None = None
    preferred_channel: PreferredChannel | None = None
    customer_status: CustomerStatus = "prospect"
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    consent: dict[ConsentChannel, ConsentState] = Field(default_factory=dict)
    address_consent: dict[ConsentChannel, list[ConsentState]] = Field(default_factory=dict)
    """Consent per address (`hub.domain.address_consent`); `consent` is derived from it."""
    topic_opt_outs: list[str] = Field(default_factory=list)  # topic ids (preference centre)
    last_inbound_on: dict[str, UtcDateTime] = Field(default_factory=dict)
    """For channels with a customer-service window: `"whatsapp:+316..."` → the time of their
    last message from that address (the number is WhatsApp-capable once it is here)."""
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)
    merged_into: str | None = None
    erased_at: UtcDateTime | None = None

    @property
    def is_active(self) -> bool:
        return self.merged_into is None and self.erased_at is None

    def consent_for(self, channel: ConsentChannel) -> ConsentState:
        return self.consent.get(channel) or ConsentState()

    def addresses_on(self, channel: str) -> list[str]:
        """The person's addresses a message on `channel` can go to."""
        known = sendable(channel)
        return list(getattr(self, ADDRESS_FIELD[known])) if known else []

    def address_on(self, channel: str) -> str | None:
        """The address a message on `channel` goes to by default: the first of its kind, or
        for a windowed channel (WhatsApp) the one they last wrote from on it."""
        addresses = self.addresses_on(channel)
        seen = [a for a in addresses if self.last_inbound(channel, a) is not None]
        if seen:
            return max(seen, key=lambda a: self.last_inbound(channel, a) or NEVER)
        return addresses[0] if addresses else None

    def last_inbound(self, channel: str, address: str) -> datetime | None:
        return self.last_inbound_on.get(f"{channel}:{address}")


class Household(Record):
    """Persons at one address; carries household-level segmentation and a customer status."""

    id: str
    name: str = ""
    address: Address = Field(default_factory=Address)
    customer_status: CustomerStatus = "prospect"
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class Organisation(Record):
    id: str
    name: str
    industry: str | None = None
    size: str | None = None
    address: Address = Field(default_factory=Address)
    customer_status: CustomerStatus = "prospect"
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)


class Role(Record):
    """A person's function at an organisation, with its own business address."""

    id: str
    person_id: str
    organisation_id: str
    function: str = ""
    email: str | None = None
    phone: str | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)


"""Records for the contract suite: minimal ones, and `full_*` ones with every field set."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.events import CallInfo, Event, FormInfo, StatusChange, SurveyInfo
from hub.domain.identities import AddressKind, Identity, Suppression
from hub.domain.parties import Address, Household, Organisation, Person, Role
from hub.domain.staff import ApiToken, User
from hub.domain.transactions import Transaction

T0 = datetime(2025, 3, 1, 9, 30, 15, 123000, tzinfo=UTC)
"""A fixed instant with milliseconds, so ordering tests do not depend on the clock."""

CET = timezone(timedelta(hours=1))


def at(seconds: float = 0, *, ms: int = 0) -> datetime:
    return T0 + timedelta(seconds=seconds, milliseconds=ms)


def email() -> str:
    return f"p{new_id()}@example.org"


def person(**overrides: Any) -> Person:
    fields: dict[str, Any] = {"id": new_id(), "name": "Anna de Vries"}
    return Person(**(fields | overrides))


def full_person(**overrides: Any) -> Person:
    fields: dict[str, Any] = {
        "id": new_id(),
        "name": "Anna de Vries",
        "emails": [email(), email()],
        "phones": ["+31612345678"],
        "household_id": new_id(),
        "birth_date": date(1984, 2, 29),
        "gender": "female",
        "income_band": "middle",
        "education": "higher",
        "life_stage": "young family",
        "language": "nl",
        "preferred_channel": "sms",
        "customer_status": "customer",
        "tags": ["vip", "newsletter"],
        "attributes": {"segment": "gold", "visits": 7, "score": 4.5, "member": True, "x": None},
        "consent": {
            "email": ConsentState(status="opted_in", source="webform", at=at(-86400), text="Yes!"),
            "sms": ConsentState(status="opted_out", source="sms:STOP", at=at(-3600)),
        },
        # microseconds and a non-UTC zone: the record keeps the instant in UTC, in ms
        "created_at": datetime(2024, 5, 6, 7, 8, 9, 987654, tzinfo=CET),
        "updated_at": at(),
    }
    return Person(**(fields | overrides))


def household(**overrides: Any) -> Household:
    fields: dict[str, Any] = {"id": new_id(), "name": "Fam. de Vries"}
    return Household(**(fields | overrides))


def full_household(**overrides: Any) -> Household:
    fields: dict[str, Any] = {
        "id": new_id(),
        "name": "Fam. de Vries",
        "address": Address(
            street="Dorpsstraat 1", postcode="1234 AB", city="Utrecht", country="NL"
        ),
        "customer_status": "customer",
        "attributes": {"dwelling": "house", "size": 4, "garden": True},
        "created_at": at(-1000),
        "updated_at": at(),
    }
    return Household(**(fields | overrides))


def organisation(**overrides: Any) -> Organisation:
    fields: dict[str, Any] = {"id": new_id(), "name": "Acme B.V."}
    return Organisation(**(fields | overrides))


def full_organisation(**overrides: Any) -> Organisation:
    fields: dict[str, Any] = {
        "id": new_id(),
        "name": "Acme B.V.",
        "industry": "manufacturing",
        "size": "50-249",
        "address": Address(street="Industrieweg 9", postcode="3500 AA", city="Utrecht"),
        "customer_status": "customer",
        "attributes": {"account_manager": "kees", "employees": 120},
        "created_at": at(-1000),
        "updated_at": at(),
    }
    return Organisation(**(fields | overrides))


def role(person_id: str, organisation_id: str, **overrides: Any) -> Role:
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "organisation_id": organisation_id,
        "function": "purchasing manager",
        "email": email(),
        "phone": "+31201234567",
        "created_at": at(),
    }
    return Role(**(fields | overrides))


def identity(person_id: str, value: str | None = None, kind: AddressKind = "email",
             **overrides: Any) -> Identity:
    fields: dict[str, Any] = {
        "kind": kind,
        "value": value if value is not None else email(),
        "person_id": person_id,
        "created_at": at(),
    }
    return Identity(**(fields | overrides))


def event(person_id: str | None, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "channel": "note",
        "direction": "internal",
        "occurred_at": T0,
        "recorded_at": T0,
        "text": "called back",
    }
    return Event(**(fields | overrides))


def full_event(person_id: str, **overrides: Any) -> Event:
    """An inbound email with every personal field set, status history and a thread."""
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "household_id": new_id(),
        "organisation_id": new_id(),
        "role_id": new_id(),
        "channel": "email",
        "direction": "inbound",
        "occurred_at": datetime(2025, 3, 1, 10, 30, 15, 123456, tzinfo=CET),
        "recorded_at": at(1),
        "subject": "Re: your order",
        "text": "Hello, my address is Dorpsstraat 1.",
        "from_": "anna@example.org",
        "to": "service@hub.example",
        "status": "received",
        "status_history": [StatusChange(status="received", at=at(1), detail="imap uid 7")],
        "campaign_id": new_id(),
        "thread_id": new_id(),
        "external_id": f"<{new_id()}@mail.example.org>",
        "author": "anna",
        "data": {"headers": {"x-mailer": "mutt"}, "attachments": [{"name": "a.pdf", "size": 12}]},
    }
    return Event(**(fields | overrides))


def call_event(person_id: str, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "channel": "call",
        "direction": "inbound",
        "occurred_at": at(2),
        "text": "customer asked about invoice 42",
        "from_": "+31612345678",
        "to": "+31201234567",
        "status": "completed",
        "external_id": f"CA{new_id()}",
        "author": "agent-7",
        "call": CallInfo(duration_s=184, wait_s=31, agent="agent-7", outcome="resolved"),
    }
    return Event(**(fields | overrides))


def survey_event(person_id: str, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "channel": "survey",
        "direction": "inbound",
        "occurred_at": at(3),
        "status": "answered",
        "survey": SurveyInfo(survey_id=new_id(), score=9, comment="Great help from Kees"),
    }
    return Event(**(fields | overrides))


def form_event(person_id: str, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "id": new_id(),
        "person_id": person_id,
        "channel": "webform",
        "direction": "inbound",
        "occurred_at": at(4),
        "external_id": new_id(),
        "form": FormInfo(form_id=new_id(), fields={"name": "Anna", "email": "anna@example.org"}),
    }
    return Event(**(fields | overrides))


def user(**overrides: Any) -> User:
    fields: dict[str, Any] = {
        "id": new_id(),
        "email": f"staff{new_id()}@hub.example",
        "name": "Kees",
        "role": "service",
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "created_at": at(),
    }
    return User(**(fields | overrides))


def token(**overrides: Any) -> ApiToken:
    fields: dict[str, Any] = {
        "id": new_id(),
        "name": "crm import",
        "role": "marketing",
        "token_hash": new_id() + new_id(),
        "created_at": at(),
    }
    return ApiToken(**(fields | overrides))


def transaction(person_id: str | None = None, **overrides: Any) -> Transaction:
    fields: dict[str, Any] = {
        "id": new_id(),
        "external_id": f"INV-{new_id()}",
        "person_id": person_id,
        "amount_minor": 12345,
        "currency": "EUR",
        "occurred_at": at(),
        "recorded_at": at(5),
    }
    return Transaction(**(fields | overrides))


def suppression(**overrides: Any) -> Suppression:
    fields: dict[str, Any] = {"hash": new_id() + new_id(), "kind": "email", "created_at": at()}
    return Suppression(**(fields | overrides))

"""What a form submission may change on a person: empty profile fields only (staff-entered
data is never overwritten; differences are kept as conflicts), addresses only on a person
the submission itself created (anyone can type a customer's email next to their own phone:
on an existing person a new address stays an unverified conflict on the event, for staff to
accept), and consent given with the form's exact text, pending until the owner confirms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from hub.domain.channels import sendable
from hub.domain.events import Event
from hub.domain.forms import FormDefinition
from hub.domain.parties import Person
from hub.errors import AddressTaken
from hub.services.consent import request_consent
from hub.services.identities import IdentityService

if TYPE_CHECKING:
    from hub.services.forms import FormEntry

FILLABLE_FIELDS = ("name", "birth_date", "gender", "income_band", "education", "life_stage",
                   "language", "preferred_channel")
"""Profile fields a form field of the same name (text or select) may fill when empty."""
CONSENT_KEY = "consent"


@dataclass(slots=True)
class Filled:
    changed: bool = False
    conflicts: dict[str, Any] = field(default_factory=dict)
    consent_events: list[Event] = field(default_factory=list)


def _same(stored: Any, submitted: str) -> bool:
    text = stored.isoformat() if isinstance(stored, date) else str(stored)
    return text.strip().casefold() == submitted.strip().casefold()


def _fill_fields(person: Person, form: FormDefinition, entry: FormEntry, filled: Filled) -> None:
    for spec in form.fields:
        if spec.name not in FILLABLE_FIELDS or spec.type not in ("text", "select"):
            continue
        submitted = entry.values.get(spec.name)
        if not submitted:
            continue
        stored = getattr(person, spec.name)
        if stored in (None, ""):
            try:
                setattr(person, spec.name, submitted[:200] if spec.name == "name" else submitted)
            except ValidationError:
                filled.conflicts[spec.name] = {"submitted": submitted,
                                               "reason": "not a valid value for the profile"}
                continue
            filled.changed = True
        elif not _same(stored, submitted):
            stored_json = stored.isoformat() if isinstance(stored, date) else stored
            filled.conflicts[spec.name] = {"stored": stored_json, "submitted": submitted}


async def _fill_addresses(
    person: Person, form: FormDefinition, entry: FormEntry, identities: IdentityService,
    filled: Filled, *, new_person: bool,
) -> None:
    for spec in form.fields:
        if spec.type not in ("email", "phone") or not entry.values.get(spec.name):
            continue
        value = str(entry.values[spec.name])
        known = person.emails if spec.type == "email" else person.phones
        if value in known:
            continue
        if not new_person:
            filled.conflicts[spec.name] = {
                "submitted": value, "unverified": True,
                "reason": "an address from an anonymous form is not added to an existing "
                          "person until it is verified or staff accept it"}
            continue
        if known:
            filled.conflicts.setdefault(spec.name, {"stored": list(known), "submitted": value})
            continue
        try:
            await identities.claim(person.id, spec.type, value)
        except AddressTaken as exc:
            filled.conflicts[spec.name] = {"submitted": value, "reason": "belongs to another "
                                           "person", "owner_id": exc.owner_id}
            continue
        known.append(value)
        filled.changed = True


def _consent(person: Person, form: FormDefinition, entry: FormEntry, filled: Filled) -> None:
    """A ticked box asks for consent on the form's channels, pending until the owner of the
    address confirms (double opt-in); an unticked one changes nothing, and a suppressed
    address (erased person who objected) stays opted out."""
    if not (entry.consent and form.consent_text):
        return
    for channel in form.consent_channels:
        if person.consent_for(channel).source == "suppression":
            filled.conflicts[CONSENT_KEY] = {"channel": channel, "reason": "the address was "
                                             "erased on request and stays suppressed"}
            continue  # anyone can type an address into a form: it never lifts a suppression
        address = _submitted_address(form, entry, channel)
        if sendable(channel) is not None and address is None:
            continue  # no address of this kind on the form: nobody could confirm it
        event = request_consent(person, channel, source=f"webform:{form.slug}",
                                text=form.consent_text, address=address, client=entry.client)
        if event is None:
            continue
        event.data["form_id"] = form.id
        filled.consent_events.append(event)
        filled.changed = True


def _submitted_address(form: FormDefinition, entry: FormEntry, channel: str) -> str | None:
    """The address the form gave for `channel`, if it is (now) one of the person's."""
    kind = "email" if channel == "email" else "phone"
    for spec in form.fields:
        if spec.type == kind and entry.values.get(spec.name):
            return str(entry.values[spec.name])
    return None


async def fill_profile(
    person: Person, form: FormDefinition, entry: FormEntry, identities: IdentityService, *,
    new_person: bool,
) -> Filled:
    """Apply a submission to `person` in memory (addresses are claimed in the store); the
    caller saves the person, records the consent events and asks for their confirmation."""
    filled = Filled()
    _fill_fields(person, form, entry, filled)
    await _fill_addresses(person, form, entry, identities, filled, new_person=new_person)
    _consent(person, form, entry, filled)
    return filled

"""Consent per address (DESIGN §1): each consent decision is held for the address it was
given for, in `Person.address_consent[channel]`; the person-level `Person.consent[channel]`
is derived from the records of the person's current addresses on that channel (segments
and pages read it), never the other way round.

An opt-in on one address therefore never reaches another address of the same person: the
outbound path (`hub.services.outbound.why_not`) reads `consent_at` for the address it sends
to. A person stored before consent was kept per address has only the channel-level state;
it stands for all their addresses until the first per-address decision on that channel.
"""

from __future__ import annotations

from typing import Literal

from hub.domain.channels import ADDRESS_FIELD
from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel, ConsentState, ConsentStatus
from hub.domain.parties import Person

CONSENT_ADDRESS_FIELD: dict[ConsentChannel, Literal["emails", "phones"]] = {
    "call": "phones", **{channel: field for channel, field in ADDRESS_FIELD.items()}}
"""Which of a person's address lists consent on a channel is given for."""

_RANK: dict[ConsentStatus, int] = {"opted_in": 0, "pending": 1, "opted_out": 2, "unknown": 3}


def addresses_for(person: Person, channel: ConsentChannel) -> list[str]:
    return list(getattr(person, CONSENT_ADDRESS_FIELD[channel]))


def records(person: Person, channel: ConsentChannel) -> list[ConsentState]:
    """The per-address records on `channel`, including those of addresses the person no
    longer has (kept as proof); legacy channel-level consent is spread over the addresses
    it stood for."""
    own = person.address_consent.get(channel)
    if own:
        return list(own)
    legacy = person.consent.get(channel)
    if legacy is None or legacy.status == "unknown":
        return []
    if legacy.address:
        return [legacy]
    return [legacy.model_copy(update={"address": a}) for a in addresses_for(person, channel)]


def consent_at(person: Person, channel: ConsentChannel, address: str) -> ConsentState:
    """The consent in force for `address` on `channel` (unknown when never given for it)."""
    own = person.address_consent.get(channel)
    if own:
        return next((record for record in own if record.address == address), ConsentState())
    legacy = person.consent.get(channel)  # as `records` spreads it, for this address only
    if legacy is None or legacy.status == "unknown":
        return ConsentState()
    if legacy.address:
        return legacy if legacy.address == address else ConsentState()
    if address in addresses_for(person, channel):
        return legacy.model_copy(update={"address": address})
    return ConsentState()


def derived(person: Person, channel: ConsentChannel) -> ConsentState | None:
    """The person-level view: the strongest state among the person's current addresses
    (opted in on any → opted in; else pending; else opted out), the most recent record of
    that state; None when no current address has a record (the channel-level state stays)."""
    current = set(addresses_for(person, channel))
    relevant = [r for r in records(person, channel) if r.address in current]
    if not relevant:
        return None
    best = min(_RANK[r.status] for r in relevant)
    chosen = [r for r in relevant if _RANK[r.status] == best]
    return max(chosen, key=lambda r: (r.at is not None, r.at))


def set_at(person: Person, channel: ConsentChannel, state: ConsentState) -> None:
    """Store `state` for its address (in memory) and refresh the person-level view."""
    kept = [r for r in records(person, channel) if r.address != state.address]
    person.address_consent = {**person.address_consent, channel: [*kept, state]}
    refresh(person, channel)


def refresh(person: Person, channel: ConsentChannel) -> None:
    view = derived(person, channel)
    if view is not None:
        person.consent = {**person.consent, channel: view}


def materialise(person: Person) -> dict[ConsentChannel, list[ConsentState]]:
    """Every channel's per-address records, legacy channel-level consent spread out."""
    return {channel: found for channel in CONSENT_CHANNELS
            if (found := records(person, channel))}

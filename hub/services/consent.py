"""Consent changes: the person's new state and a `system` event showing when and how it changed.

Consent is held per address (`hub.domain.address_consent`): a change names the address it is
for, or applies to every address the person has on the channel (an unsubscribe link, an
opt-out by staff or API). The person-level view per channel is derived from those records."""

from __future__ import annotations

from hub.domain.address_consent import addresses_for, consent_at, set_at
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel, ConsentState, ConsentStatus
from hub.domain.events import Event
from hub.domain.parties import Person

LABELS = {"opted_in": "opted in", "pending": "pending confirmation", "opted_out": "opted out",
          "unknown": "unknown"}


def _unchanged(previous: ConsentState, status: ConsentStatus, text: str | None) -> bool:
    return previous.status == status and (text is None or previous.text == text)


def apply_consent(
    person: Person, channel: ConsentChannel, status: ConsentStatus, *, source: str,
    text: str | None = None, address: str | None = None, client: str | None = None,
    confirmation: str | None = None,
) -> Event | None:
    """Set consent on `person` (in memory) for `address`, or for every address the person
    has on `channel` when it is None; returns the event to record, None if unchanged.

    Confirming a pending consent keeps the proof it was given with (text, client) and adds
    how it was confirmed."""
    targets: list[str | None] = [address] if address else list(addresses_for(person, channel))
    previous_view = person.consent_for(channel)
    if not targets:  # no address on the channel yet: the channel-level state only
        if _unchanged(previous_view, status, text):
            return None
        targets = [None]
    at = utcnow()
    changed: list[str | None] = []
    previous_states: list[ConsentStatus] = []
    proof: ConsentState | None = None  # the first change's proof, for the event
    for target in targets:
        previous = consent_at(person, channel, target) if target else previous_view
        if _unchanged(previous, status, text):
            continue
        given_text, given_client, confirmed = text, client, confirmation
        if status == "opted_in" and previous.status == "pending":
            given_text = text or previous.text
            given_client = client or previous.client
            confirmed = confirmation or source
        new = ConsentState(status=status, source=source, at=at, text=given_text,
                           address=target, client=given_client, confirmation=confirmed)
        if target is None:
            person.consent = {**person.consent, channel: new}
        else:
            set_at(person, channel, new)
        changed.append(target)
        previous_states.append(previous.status)
        proof = proof or new
    if proof is None:
        return None
    addresses = [a for a in changed if a]
    previous_status = previous_states[0]
    where = f" for {', '.join(addresses)}" if addresses else ""
    return Event(
        id=new_id(), person_id=person.id, household_id=person.household_id, channel="system",
        direction="internal", occurred_at=at, subject=f"{channel} consent: {LABELS[status]}",
        text=f"{channel} consent{where} changed from {LABELS[previous_status]} to "
             f"{LABELS[status]} (source: {source})",
        data={"consent": {"channel": channel, "status": status, "previous": previous_status,
                          "source": source, "text": proof.text,
                          "address": addresses[0] if len(addresses) == 1 else None,
                          "addresses": addresses, "client": proof.client,
                          "confirmation": proof.confirmation}},
    )


def request_consent(
    person: Person, channel: ConsentChannel, *, source: str, text: str, address: str | None,
    client: str | None,
) -> Event | None:
    """Consent given where anyone could have typed the address (a public form): in memory,
    `pending` until the owner confirms; the event to record carries the proof and is what a
    confirmation points at. An opt-out stays in force until then: the request is only
    recorded. Already opted in: nothing to ask (None)."""
    current = consent_at(person, channel, address) if address else person.consent_for(channel)
    if current.status == "opted_in":
        return None
    if current.status == "opted_out":
        return Event(
            id=new_id(), person_id=person.id, household_id=person.household_id,
            channel="system", direction="internal",
            subject=f"{channel} consent: requested, waiting for confirmation",
            text=f"{channel} consent was given on {source}; the earlier opt-out stays until the "
                 f"address owner confirms",
            data={"consent": {"channel": channel, "status": "pending", "previous": "opted_out",
                              "source": source, "text": text, "address": address,
                              "addresses": [address] if address else [],
                              "client": client, "confirmation": None}})
    return apply_consent(person, channel, "pending", source=source, text=text, address=address,
                         client=client)

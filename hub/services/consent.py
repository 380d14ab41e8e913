"""Consent changes: the person's new state and a `system` event showing when and how it changed."""

from __future__ import annotations

from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel, ConsentState, ConsentStatus
from hub.domain.events import Event
from hub.domain.parties import Person

LABELS = {"opted_in": "opted in", "pending": "pending confirmation", "opted_out": "opted out",
          "unknown": "unknown"}


def apply_consent(
    person: Person, channel: ConsentChannel, status: ConsentStatus, *, source: str,
    text: str | None = None, address: str | None = None, client: str | None = None,
    confirmation: str | None = None,
) -> Event | None:
    """Set consent on `person` (in memory); returns the event to record, None if unchanged.

    Confirming a pending consent keeps the proof it was given with (text, address, client)
    and adds how it was confirmed."""
    previous = person.consent_for(channel)
    if previous.status == status and (text is None or previous.text == text):
        return None
    if status == "opted_in" and previous.status == "pending":
        text = text or previous.text
        address = address or previous.address
        client = client or previous.client
        confirmation = confirmation or source
    at = utcnow()
    new = ConsentState(status=status, source=source, at=at, text=text, address=address,
                       client=client, confirmation=confirmation)
    person.consent = {**person.consent, channel: new}
    return Event(
        id=new_id(), person_id=person.id, household_id=person.household_id, channel="system",
        direction="internal", occurred_at=at, subject=f"{channel} consent: {LABELS[status]}",
        text=f"{channel} consent changed from {LABELS[previous.status]} to {LABELS[status]} "
             f"(source: {source})",
        data={"consent": {"channel": channel, "status": status, "previous": previous.status,
                          "source": source, "text": text, "address": address,
                          "client": client, "confirmation": confirmation}},
    )


def request_consent(
    person: Person, channel: ConsentChannel, *, source: str, text: str, address: str | None,
    client: str | None,
) -> Event | None:
    """Consent given where anyone could have typed the address (a public form): in memory,
    `pending` until the owner confirms; the event to record carries the proof and is what a
    confirmation points at. An opt-out stays in force until then: the request is only
    recorded. Already opted in: nothing to ask (None)."""
    current = person.consent_for(channel)
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
                              "client": client, "confirmation": None}})
    return apply_consent(person, channel, "pending", source=source, text=text, address=address,
                         client=client)

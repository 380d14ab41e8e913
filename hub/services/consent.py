"""Consent changes: the person's new state and a `system` event showing when and how it changed."""

from __future__ import annotations

from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel, ConsentState, ConsentStatus
from hub.domain.events import Event
from hub.domain.parties import Person

LABELS = {"opted_in": "opted in", "opted_out": "opted out", "unknown": "unknown"}


def apply_consent(
    person: Person, channel: ConsentChannel, status: ConsentStatus, *, source: str,
    text: str | None = None,
) -> Event | None:
    """Set consent on `person` (in memory); returns the event to record, None if unchanged."""
    previous = person.consent_for(channel)
    if previous.status == status and (text is None or previous.text == text):
        return None
    at = utcnow()
    new = ConsentState(status=status, source=source, at=at, text=text)
    person.consent = {**person.consent, channel: new}
    return Event(
        id=new_id(), person_id=person.id, household_id=person.household_id, channel="system",
        direction="internal", occurred_at=at, subject=f"{channel} consent: {LABELS[status]}",
        text=f"{channel} consent changed from {LABELS[previous.status]} to {LABELS[status]} "
             f"(source: {source})",
        data={"consent": {"channel": channel, "status": status, "previous": previous.status,
                          "source": source, "text": text}},
    )

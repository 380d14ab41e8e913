"""Double opt-in (Telecommunicatiewet art. 11.7, GDPR art. 7): consent given where anyone
could have typed the address is `pending` until the address's owner confirms it.

The pending request is a `system` event holding the proof (channel, address, exact text,
source, client, time); `request_consent` (hub.services.consent) makes it. `ask` sends the
owner one confirmation: by email a signed link to `/c/{token}` (a GET shows a button and
changes nothing, link scanners follow GETs; the POST confirms), by SMS a request to reply
JA or YES (the SMS keyword service then confirms). `confirm` turns the request into
`opted_in` with the proof and how it was confirmed, also over an earlier opt-out: the owner
asked for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from hub.domain.channels import sendable
from hub.domain.common import utcnow
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.errors import HubError
from hub.ports import DefaultTexts, Store
from hub.services.consent import apply_consent
from hub.services.messaging import MessagingService
from hub.services.reply_tokens import ConsentTokens
from hub.services.timeline import TimelineService

log = logging.getLogger("hub.consent")
VALID_FOR = timedelta(days=30)

MESSAGE = "consent_confirmation"  # templates/messages/consent_confirmation/


@dataclass(frozen=True, slots=True)
class PendingConsent:
    person: Person
    channel: str
    event: Event  # the request, with its proof in data["consent"]


class DoubleOptIn:
    def __init__(self, store: Store, timeline: TimelineService, messaging: MessagingService,
                 tokens: ConsentTokens, texts: DefaultTexts, *, public_url: str) -> None:
        self._store = store
        self._timeline = timeline
        self._messaging = messaging
        self._tokens = tokens
        self._texts = texts
        self._public_url = public_url

    def link(self, request: Event) -> str:
        return f"{self._public_url}/c/{self._tokens.make(request.id)}"

    async def ask(self, request: Event, *, preface: str | None = None) -> Event | None:
        """Send the confirmation request for a pending-consent event; None when it cannot
        go out (no address, SMS stopped by the owner: then only their own JA or START
        counts). `preface` (a form's thank-you text) goes before the request."""
        proof = request.data.get("consent") or {}
        channel, address = sendable(str(proof.get("channel"))), proof.get("address")
        if channel is None or not request.person_id:
            return None
        person = await self._store.persons.get(request.person_id)
        try:
            rendered = self._texts.render(
                MESSAGE, channel, {"url": self.link(request), "preface": preface or ""},
                person.language if person else None)
            return await self._messaging.send_to_person(
                request.person_id, channel=channel, address=address, subject=rendered.subject,
                text=rendered.text, author="double opt-in",
                data={"consent_request_id": request.id})
        except HubError as exc:
            log.info("consent confirmation not sent", extra={"event_id": request.id,
                                                             "error": exc.code})
            return None

    async def pending(self, token: str) -> PendingConsent | None:
        """The request a token confirms, if it is valid, recent and its person still here."""
        event_id = self._tokens.event_id(token)
        event = await self._store.events.get(event_id) if event_id else None
        if event is None or not event.person_id or "consent" not in event.data:
            return None
        if utcnow() - event.occurred_at > VALID_FOR:
            return None
        person = await self._store.persons.get(event.person_id)
        if person is None or not person.is_active:
            return None
        return PendingConsent(person, str(event.data["consent"]["channel"]), event)

    async def confirm(self, token: str, *, client: str | None) -> PendingConsent | None:
        """Opt in with the request's proof; idempotent (a second click changes nothing)."""
        found = await self.pending(token)
        if found is None:
            return None
        proof = found.event.data["consent"]
        person = found.person
        change = apply_consent(
            person, proof["channel"], "opted_in", source=f"confirmed {proof['source']}",
            text=proof.get("text"), address=proof.get("address"), client=proof.get("client"),
            confirmation=f"link in the confirmation email, opened from {client or 'unknown'}")
        if change is not None:
            person.updated_at = utcnow()
            await self._store.persons.replace(person)
            change.data["consent"]["request_id"] = found.event.id
            await self._timeline.record(change)
        return found

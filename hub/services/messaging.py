"""One-to-one outbound messages: choose the channel, record the event, send, record the result.

The adapter only sends; this service does the bookkeeping around it (STYLE §4): the outbound
event exists before the send, the provider's id is stored before the event is marked sent,
transient failures are retried with backoff, permanent ones mark the event failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange, SurveyInfo, status_rank
from hub.domain.parties import Person
from hub.errors import Conflict, InvalidInput, SendFailed, Transient
from hub.ports import ChannelAdapter, OutboundMessage, Store
from hub.services.persons import PersonService
from hub.services.reply_tokens import ReplyTokens
from hub.services.timeline import TimelineService

log = logging.getLogger("hub.messaging")
SendableChannel = Literal["email", "sms"]
SENDABLE: tuple[SendableChannel, ...] = ("email", "sms")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    first_delay_s: float = 0.5
    factor: float = 4.0


def address_for(person: Person, channel: str) -> str | None:
    addresses = person.emails if channel == "email" else person.phones
    return addresses[0] if addresses else None


def channel_refusal(person: Person, channel: str) -> str | None:
    """Why a service message cannot go to this person on this channel, or None if it can.

    Marketing consent does not block a service reply; an SMS opt-out does (carriers enforce
    STOP too, and a send would fail with error 21610)."""
    if address_for(person, channel) is None:
        return f"the person has no {'email address' if channel == 'email' else 'phone number'}"
    if channel == "sms" and person.consent_for("sms").status == "opted_out":
        return "the person opted out of SMS (e.g. by replying STOP)"
    if channel == "email" and person.attributes.get("email_undeliverable") == address_for(
            person, "email"):
        return "mail to this address bounced repeatedly; it is marked undeliverable"
    return None


class MessagingService:
    def __init__(
        self, store: Store, persons: PersonService, timeline: TimelineService,
        adapters: Mapping[str, ChannelAdapter], reply_tokens: ReplyTokens, *,
        sender: Mapping[str, str], retry: RetryPolicy | None = None,
        status_callback_url: str | None = None,
    ) -> None:
        self._store = store
        self._persons = persons
        self._timeline = timeline
        self._adapters = adapters
        self._tokens = reply_tokens
        self._sender = sender
        self._retry = retry or RetryPolicy()
        self._status_callback = status_callback_url

    def choose_channel(self, person: Person, requested: str | None) -> SendableChannel:
        if requested is not None:
            for channel in SENDABLE:
                if channel == requested:
                    return channel
            raise InvalidInput(f"cannot send on channel {requested!r}",
                               details={"field": "channel"})
        candidates = [c for c in SENDABLE if c == person.preferred_channel]
        candidates += [c for c in SENDABLE if c not in candidates]
        for channel in candidates:
            if channel_refusal(person, channel) is None:
                return channel
        raise Conflict("the person has no address a message can be sent to",
                       details={"person_id": person.id})

    async def send_to_person(
        self, person_id: str, *, text: str, channel: str | None = None,
        subject: str | None = None, html: str | None = None, author: str | None = None,
        campaign_id: str | None = None, survey: SurveyInfo | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Event:
        """Send `text` to a person; `survey` and `data` go on the outbound event (a survey
        message carries its survey, so a reply to it is read as an answer)."""
        person = await self._persons.get(person_id)
        channel = self.choose_channel(person, channel)
        refusal = channel_refusal(person, channel)
        if refusal:
            raise Conflict(refusal, details={"channel": channel})
        adapter = self._adapters[channel]
        if not adapter.capabilities.subject:
            subject = None
        if not adapter.capabilities.html:
            html = None
        to = address_for(person, channel) or ""
        event = Event(
            id=new_id(), person_id=person.id, channel=channel, direction="outbound",
            subject=subject, text=text, to=to, from_=self._sender.get(channel),
            status="queued", status_history=[StatusChange(status="queued")],
            author=author, campaign_id=campaign_id, survey=survey,
            data={**(data or {}), "html": html} if html else dict(data or {}),
        )
        event = event.model_copy(update={"thread_id": event.id})
        event, _ = await self._timeline.record(event)
        message = OutboundMessage(
            event_id=event.id, channel=channel, to=to, text=text, subject=subject, html=html,
            reply_token=self._tokens.make(event.id) if channel == "email" else None,
            status_callback=self._status_callback if channel == "sms" else None,
        )
        return await self._deliver(event, adapter, message)

    async def send_test(self, to: str, *, subject: str, text: str,
                        html: str | None = None) -> str:
        """A test message to a staff member's own email address (no person, no timeline
        event); returns the provider's answer or raises SendFailed/Transient."""
        adapter = self._adapters["email"]
        receipt = await adapter.send(OutboundMessage(
            event_id=new_id(), channel="email", to=to, text=text, subject=subject,
            html=html if adapter.capabilities.html else None))
        return receipt.status

    async def _deliver(
        self, event: Event, adapter: ChannelAdapter, message: OutboundMessage
    ) -> Event:
        delay = self._retry.first_delay_s
        for attempt in range(1, self._retry.attempts + 1):
            try:
                receipt = await adapter.send(message)
                break
            except SendFailed as exc:
                log.warning("send failed", extra={"event_id": event.id, "channel": event.channel,
                                                  "provider_code": exc.provider_code})
                return await self._status(event.id, "failed", exc.message)
            except Transient as exc:
                log.info("send will be retried", extra={
                    "event_id": event.id, "attempt": attempt, "error": exc.code})
                if attempt == self._retry.attempts:
                    return await self._status(
                        event.id, "failed", f"gave up after {attempt} attempts: {exc.message}")
                await asyncio.sleep(delay)
                delay *= self._retry.factor
        if receipt.provider_id:
            await self._store.events.set_external_id(event.id, receipt.provider_id)
        if receipt.data:
            stored = await self._store.events.get(event.id)
            if stored is not None:
                await self._store.events.replace(
                    stored.model_copy(update={"data": {**stored.data, **receipt.data}}))
        return await self._status(event.id, receipt.status, receipt.detail)

    async def _status(self, event_id: str, status: str, detail: str | None) -> Event:
        current = await self._store.events.get(event_id)
        if current is not None and status_rank(current.status) > status_rank(status):
            return current  # a provider callback already reported a later stage
        updated = await self._store.events.add_status(
            event_id, StatusChange(status=status, detail=detail))
        if updated is None:
            raise RuntimeError(f"outbound event {event_id} vanished during its send")
        return updated

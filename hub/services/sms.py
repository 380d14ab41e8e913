"""SMS bookkeeping the Twilio channel cannot do itself (it never writes to the store):
inbound texts with their keywords (STOP/START/HELP and the Dutch forms) turned into consent
changes, delivery status callbacks merged into the outbound event's history, and Twilio's
"unsubscribed recipient" error turned into an SMS opt-out."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from hub.domain.channels import SendableChannel
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentStatus
from hub.domain.events import Event, StatusChange, status_rank
from hub.domain.messages import InboundMessage
from hub.errors import HubError, InvalidInput, SendFailed
from hub.ports import ChannelAdapter, OutboundMessage, SendReceipt, Store
from hub.services.consent import apply_consent
from hub.services.identities import IdentityService
from hub.services.inbox import InboxService
from hub.services.keyed_locks import KeyedLocks
from hub.services.persons import PersonService
from hub.services.timeline import TimelineService

log = logging.getLogger("hub.sms")

OPT_OUT_CODES = frozenset({"21610"})  # "Attempt to send to unsubscribed recipient"
UNREACHABLE_CODES = frozenset({"63003", "63024"})  # WhatsApp: not a WhatsApp user/number
UNKNOWN_SID_RETRY_S = (0.05, 0.1, 0.25, 0.5, 1.0)  # the send may not have stored the sid yet
CONSENT_OF_KEYWORD: dict[str, ConsentStatus] = {"opt_out": "opted_out", "opt_in": "opted_in"}


@dataclass(frozen=True, slots=True)
class InboundResult:
    event: Event | None  # None when the message went to quarantine
    created: bool
    reply: str | None  # the text to answer with (HELP), None for no answer


class SmsService:
    def __init__(
        self, store: Store, identities: IdentityService, persons: PersonService,
        timeline: TimelineService, inbox: InboxService, *, help_reply: str,
        unknown_sid_retry_s: tuple[float, ...] = UNKNOWN_SID_RETRY_S, stop_scope: str = "number",
        channel: SendableChannel = "sms",
    ) -> None:
        """One per Twilio channel: `channel` is `sms` or `whatsapp` (same keywords, same
        status rules; WhatsApp also opens its customer-service window in the inbox)."""
        self.channel = channel
        self._store = store
        self._identities = identities
        self._persons = persons
        self._timeline = timeline
        self._inbox = inbox
        self._help_reply = help_reply
        self._retry_s = unknown_sid_retry_s
        self._locks = KeyedLocks()
        self._stop_scope = stop_scope  # "number": STOP opts out that number; "person": all

    async def receive(self, message: InboundMessage, raw: bytes) -> InboundResult:
        """Record an inbound text once, then act on its keyword. A repeated MessageSid (Twilio
        retrying) changes nothing; an unreadable sender goes to quarantine."""
        try:
            event, created = await self._inbox.record(message)
        except InvalidInput as exc:
            await self._inbox.quarantine(source=f"twilio:{self.channel}", raw=raw,
                                         reason=exc.message,
                                         details={"external_id": message.external_id})
            return InboundResult(None, False, None)
        keyword = message.data.get("keyword")
        if not created or not event.person_id or not keyword:
            return InboundResult(event, created, None)
        if keyword in CONSENT_OF_KEYWORD:
            word = (message.text or "").strip().upper()[:20]
            status = CONSENT_OF_KEYWORD[keyword]
            every_number = status == "opted_out" and self._stop_scope == "person"
            await self._set_consent(event.person_id, status, source=f"{self.channel}:{word}",
                                    key=f"twilio:{message.external_id}",
                                    address=None if every_number else event.from_)
            return InboundResult(event, created, None)
        await self._record_reply(event, self._help_reply)
        return InboundResult(event, created, self._help_reply)

    async def status(
        self, sid: str, status: str, *, error_code: str | None = None,
        error_message: str | None = None, raw: bytes = b"",
    ) -> Event | None:
        """Merge one status callback into the outbound event: appended to its history once per
        (MessageSid, status), in any arrival order; `status` only ever moves forward."""
        event = await self._find_sent(sid)
        if event is None:
            await self._inbox.quarantine(
                source="twilio:status", raw=raw, reason="status callback for an unknown "
                "MessageSid", details={"external_id": sid, "status": status})
            return None
        async with self._locks.hold(event.id):
            current = await self._store.events.get(event.id)
            if current is None:
                return None
            if any(change.status == status for change in current.status_history):
                return current
            detail = None
            if error_code:
                detail = f"Twilio error {error_code}" + (f": {error_message}" if error_message
                                                         else "")
            history = [*current.status_history, StatusChange(status=status, detail=detail)]
            best = current.status if status_rank(current.status) >= status_rank(status) else status
            for change in history:  # heal a regression written by another writer
                if status_rank(change.status) > status_rank(best):
                    best = change.status
            updated = current.model_copy(update={"status_history": history, "status": best})
            await self._store.events.replace(updated)
        if error_code in OPT_OUT_CODES and updated.person_id:
            await self._set_consent(updated.person_id, "opted_out",
                                    source=f"twilio:{error_code}", key=f"twilio:{sid}",
                                    address=updated.to)
        if error_code in UNREACHABLE_CODES and updated.to:
            await self.mark_unreachable(updated.to, code=error_code)
        return updated

    async def mark_unreachable(self, number: str, *, code: str) -> None:
        """Twilio says the number is not on this channel (WhatsApp 63003/63024): the channel
        is unavailable for that number until they write to us on it."""
        try:
            value = self._identities.normalise("phone", number)
        except InvalidInput:
            return
        owner = await self._identities.owner("phone", value)
        if owner is None:
            return
        person = await self._store.persons.get(owner.person_id)
        key = f"{self.channel}_undeliverable"
        if person is None or person.attributes.get(key) == value:
            return
        person.attributes = {**person.attributes, key: value}
        person.updated_at = utcnow()
        await self._store.persons.replace(person)
        log.info("number unavailable on channel", extra={
            "person_id": person.id, "channel": self.channel, "provider_code": code})

    async def opt_out_number(self, number: str, *, source: str, key: str) -> Event | None:
        """Mark the owner of `number` opted out of SMS (Twilio refused it as unsubscribed)."""
        try:
            value = self._identities.normalise("phone", number)
        except InvalidInput:
            return None
        owner = await self._identities.owner("phone", value)
        if owner is None:
            return None
        return await self._set_consent(owner.person_id, "opted_out", source=source, key=key,
                                       address=value)

    async def _find_sent(self, sid: str) -> Event | None:
        event = await self._store.events.find_by_external(self.channel, sid)
        for delay in self._retry_s:
            if event is not None:
                break
            await asyncio.sleep(delay)
            event = await self._store.events.find_by_external(self.channel, sid)
        return event

    async def _set_consent(
        self, person_id: str, status: ConsentStatus, *, source: str, key: str,
        address: str | None = None,
    ) -> Event | None:
        """Change SMS consent and leave a timeline event; a no-op when already in that state
        or when this message's change was recorded before (`key`: a replayed webhook)."""
        if await self._store.events.find_by_external("system", key) is not None:
            return None
        try:
            person = await self._persons.get(person_id)
        except HubError:
            return None  # merged or erased meanwhile: nothing to change
        change = apply_consent(person, self.channel, status, source=source, address=address)
        if change is None:
            return None
        person.updated_at = utcnow()
        await self._store.persons.replace(person)
        change.external_id = key
        event, _ = await self._timeline.record(change)
        log.info("consent changed", extra={"person_id": person_id, "status": status,
                                           "source": source, "channel": self.channel})
        return event

    async def _record_reply(self, inbound: Event, text: str) -> None:
        """The automatic answer (HELP) on the timeline; Twilio sends it from our TwiML."""
        reply = Event(
            id=new_id(), person_id=inbound.person_id, channel=self.channel, direction="outbound",
            text=text, to=inbound.from_, status="sent", status_history=[
                StatusChange(status="sent", detail="answered in TwiML")],
            thread_id=inbound.thread_id or inbound.id, campaign_id=inbound.campaign_id,
            data={"auto_reply": "help"}, from_=inbound.to,
        )
        await self._timeline.record(reply)


class OptOutOnRefusal:
    """Wraps the SMS adapter: when Twilio refuses a number as unsubscribed (21610), the owner
    is marked opted out of SMS before the failure goes on to the messaging service. The
    bookkeeping lives here, around `send()`, so the adapter itself never writes."""

    def __init__(self, adapter: ChannelAdapter, sms: SmsService) -> None:
        self._adapter = adapter
        self._sms = sms
        self.name = adapter.name
        self.capabilities = adapter.capabilities

    async def send(self, message: OutboundMessage) -> SendReceipt:
        try:
            return await self._adapter.send(message)
        except SendFailed as exc:
            if exc.provider_code in OPT_OUT_CODES:
                await self._sms.opt_out_number(
                    message.to, source=f"twilio:{exc.provider_code}",
                    key=f"twilio:refused:{message.event_id}")
            if exc.provider_code in UNREACHABLE_CODES:
                await self._sms.mark_unreachable(message.to, code=exc.provider_code)
            raise

    async def close(self) -> None:
        await self._adapter.close()

"""Inbound messages become timeline events: resolve the sender, thread the reply, record it
once. What cannot be parsed or resolved is quarantined raw with the reason, never dropped."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.events import Event
from hub.domain.identities import AddressKind
from hub.domain.messages import InboundMessage
from hub.domain.quarantine import QuarantineEntry
from hub.ports import Store
from hub.services.identities import IdentityService
from hub.services.reply_tokens import ReplyTokens
from hub.services.timeline import TimelineService
from hub.store.blobs import FileBlobStore

SMS_REPLY_WINDOW = timedelta(days=7)


class InboxService:
    def __init__(
        self, store: Store, identities: IdentityService, timeline: TimelineService,
        reply_tokens: ReplyTokens, blobs: FileBlobStore,
    ) -> None:
        self._store = store
        self._identities = identities
        self._timeline = timeline
        self._tokens = reply_tokens
        self._blobs = blobs

    async def record(self, message: InboundMessage) -> tuple[Event, bool]:
        """Store an inbound message once (idempotent on channel + external id).

        Raises InvalidInput when the sender's address cannot be read; callers quarantine."""
        known = await self._store.events.find_by_external(message.channel, message.external_id)
        if known is not None:
            return known, False
        kind: AddressKind = "email" if message.channel == "email" else "phone"
        sender = await self._identities.resolve_or_create(
            message.from_address, kind=kind, name=message.from_name)
        person = sender.person
        organisation_id = None
        if sender.role_id:
            role = await self._store.roles.get(sender.role_id)
            organisation_id = role.organisation_id if role else None
        flags = list(message.flags)
        data = dict(message.data)
        thread_id = campaign_id = None
        original = await self._original(message, person.id)
        if original is not None:
            if original.person_id == person.id:
                thread_id = original.thread_id or original.id
                campaign_id = original.campaign_id
            else:
                flags.append("thread_sender_mismatch")
                data["claimed_thread_id"] = original.thread_id or original.id
        if message.html:
            data["html"] = message.html
        if flags:
            data["flags"] = sorted(set(flags))
        event = Event(
            id=new_id(), person_id=person.id, organisation_id=organisation_id,
            role_id=sender.role_id, channel=message.channel, direction="inbound",
            occurred_at=message.occurred_at, subject=message.subject, text=message.text,
            to=message.to, external_id=message.external_id, status="received",
            thread_id=thread_id, campaign_id=campaign_id, data=data,
            from_=self._identities.normalise(kind, message.from_address),
        )
        return await self._timeline.record(event)

    async def _original(self, message: InboundMessage, person_id: str) -> Event | None:
        """The outbound message this one answers: by signed reply token, then by reference,
        then (SMS, which has neither) the last message we sent that person recently."""
        if message.reply_token:
            event_id = self._tokens.event_id(message.reply_token)
            if event_id is not None:
                found = await self._store.events.get(event_id)
                if found is not None:
                    return found
        for reference in reversed(message.references):
            found = await self._store.events.find_by_external(message.channel, reference)
            if found is not None:
                return found
        if message.channel == "sms":
            return await self._store.events.latest_outbound(
                person_id, "sms", since=message.occurred_at - SMS_REPLY_WINDOW)
        return None

    async def quarantine(
        self, *, source: str, raw: bytes, reason: str, details: dict[str, object] | None = None,
        entry_id: str | None = None,
    ) -> QuarantineEntry:
        """Keep what could not be processed, with the reason, for staff to see and retry.

        `entry_id` lets a caller that must not quarantine twice (an IMAP poller resuming after
        a crash) choose the id beforehand and check for it."""
        key = await self._blobs.put(raw)
        entry = QuarantineEntry(
            id=entry_id or new_id(), source=source, reason=reason[:1000], received_at=utcnow(),
            size=len(raw), sha256=hashlib.sha256(raw).hexdigest(), blob_key=key,
            details=details or {},
        )
        await self._store.quarantine.insert(entry)
        return entry

    async def raw(self, entry: QuarantineEntry) -> bytes:
        return await self._blobs.get(entry.blob_key)

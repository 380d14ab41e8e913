"""Inbound messages become timeline events: resolve the sender, thread the reply, record it
once. What cannot be parsed or resolved is quarantined raw with the reason, never dropped."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from hub.domain.channels import CHANNEL_SPECS
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event, StatusChange
from hub.domain.identities import AddressKind
from hub.domain.messages import InboundMessage
from hub.domain.parties import NEVER
from hub.domain.quarantine import QuarantineEntry, QuarantineStatus
from hub.errors import Conflict, DuplicateKey, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.consent import apply_consent
from hub.services.identities import IdentityService, Resolution
from hub.services.inbound_lookup import look_up_inbound
from hub.services.reply_tokens import ReplyTokens
from hub.services.timeline import TimelineService
from hub.store.blobs import FileBlobStore

SMS_REPLY_WINDOW = timedelta(days=7)
InboundListener = Callable[[Event], Awaitable[object]]
RETRYABLE_SOURCES = ("imap:", "mta", "cli")
"""Quarantine sources holding raw mail, which can be processed again after a fix."""
HARD_BOUNCE_LIMIT = 2
"""Hard bounces of distinct messages after which an address is marked undeliverable."""


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
        self._listeners: list[InboundListener] = []

    def add_listener(self, listener: InboundListener) -> None:
        """Call `listener` with every recorded inbound message, replays included (so a
        listener that failed before gets another chance; it must be idempotent). Survey
        answers by SMS and email reply hook in here (`campaigns.surveys`)."""
        self._listeners.append(listener)

    async def _notify(self, event: Event, created: bool) -> tuple[Event, bool]:
        for listener in self._listeners:
            await listener(event)
        await self._timeline.announce(event, created=created)
        return event, created

    async def record(self, message: InboundMessage) -> tuple[Event, bool]:
        """Store an inbound message once (idempotent on channel + external id).

        Raises InvalidInput when the sender's address cannot be read; callers quarantine."""
        kind: AddressKind = "email" if message.channel == "email" else "phone"
        address = self._identities.normalise(kind, message.from_address)
        last_sent_since = self._last_sent_since(message)
        known, identity, owner, last_sent = await look_up_inbound(
            self._store, message.channel, message.external_id, kind, address,
            last_sent_since=last_sent_since)
        if known is not None:
            return await self._notify(known, False)
        if identity is not None and owner is not None:
            sender = Resolution(person=owner, role_id=identity.role_id, created=False)
        else:
            sender = await self._identities.resolve_or_create(
                message.from_address, kind=kind, name=message.from_name)
            last_sent_since = None  # not read for this person: `_original` reads it
        person = sender.person
        organisation_id = None
        if sender.role_id:
            role = await self._store.roles.get(sender.role_id)
            organisation_id = role.organisation_id if role else None
        flags = list(message.flags)
        data = dict(message.data)
        thread_id = campaign_id = None
        original = last_sent if last_sent_since is not None else await self._original(
            message, person.id)
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
            from_=address,
        )
        recorded, created = await self._timeline.record(event, announce=False, person=person)
        if created and CHANNEL_SPECS[message.channel].service_window is not None:
            await self._open_window(person.id, f"{message.channel}:{event.from_}",
                                    message.occurred_at)
        return await self._notify(recorded, created)

    async def _open_window(self, person_id: str, key: str, at: datetime) -> None:
        """Remember their last message on a windowed channel (WhatsApp's 24 hours start
        here; the number is known to be on WhatsApp from now on)."""
        person = await self._store.persons.get(person_id)
        if person is None or not person.is_active:
            return
        if (person.last_inbound_on.get(key) or NEVER) >= at:
            return
        person.last_inbound_on = {**person.last_inbound_on, key: at}
        person.updated_at = utcnow()
        await self._store.persons.replace(person)

    @staticmethod
    def _last_sent_since(message: InboundMessage) -> datetime | None:
        """Since when the last message we sent answers this one, when nothing else can (an
        SMS has no reply token or reference): read with the sender, in the same hop."""
        if message.reply_token or message.references or not CHANNEL_SPECS[
                message.channel].threads_to_last_sent:
            return None
        return message.occurred_at - SMS_REPLY_WINDOW

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
        if CHANNEL_SPECS[message.channel].threads_to_last_sent:
            return await self._store.events.latest_outbound(
                person_id, message.channel, since=message.occurred_at - SMS_REPLY_WINDOW)
        return None

    async def quarantine(
        self, *, source: str, raw: bytes, reason: str, details: dict[str, object] | None = None,
        entry_id: str | None = None,
    ) -> QuarantineEntry:
        """Keep what could not be processed, with the reason, for staff to see and retry."""
        entry, _ = await self.quarantine_once(source=source, raw=raw, reason=reason,
                                              details=details, entry_id=entry_id)
        return entry

    async def quarantine_once(
        self, *, source: str, raw: bytes, reason: str, details: dict[str, object] | None = None,
        entry_id: str | None = None,
    ) -> tuple[QuarantineEntry, bool]:
        """(entry, True) for new raw bytes; (the entry already held, False) for the same bytes
        again (an MTA or poller redelivering a mail): one entry per sha256, the store's unique
        key decides between concurrent deliveries.

        `entry_id` lets a caller that must not quarantine twice (an IMAP poller resuming after
        a crash) choose the id beforehand and check for it."""
        sha256 = hashlib.sha256(raw).hexdigest()
        held = await self._store.quarantine.get_by_sha256(sha256)
        if held is not None:
            return held, False
        key = await self._blobs.put(raw)
        entry = QuarantineEntry(
            id=entry_id or new_id(), source=source, reason=reason[:1000], received_at=utcnow(),
            size=len(raw), sha256=sha256, blob_key=key, details=details or {},
        )
        try:
            await self._store.quarantine.insert(entry)
        except DuplicateKey:
            held = await self._store.quarantine.get_by_sha256(sha256)
            if held is None:
                raise  # the id was taken, not the bytes
            return held, False
        return entry, True

    async def raw(self, entry: QuarantineEntry) -> bytes:
        return await self._blobs.get(entry.blob_key)

    async def keep_blob(self, data: bytes) -> str:
        """Store bytes (an attachment) in the blob store; returns the key."""
        return await self._blobs.put(data)

    def keep_blob_here(self, data: bytes) -> str:
        """`keep_blob` on the calling thread, for a caller off the event loop (durable, as
        `keep_blob`, when it returns)."""
        return self._blobs.put_here(data)

    async def record_bounce(
        self, message: InboundMessage, *, permanent: bool, reason: str,
        original_ids: list[str], reply_token: str | None,
    ) -> tuple[Event, bool] | None:
        """A bounce of one of our messages: mark the original `bounced` (or `delayed`), count
        hard bounces per address, and keep the bounce on the person's timeline, threaded.

        None when no outbound message of ours matches (the caller quarantines it). Safe to
        repeat: each step checks whether it was already done."""
        known = await self._store.events.find_by_external("email", message.external_id)
        if known is not None:
            return known, False
        original = await self._bounced_original(original_ids, reply_token)
        if original is None:
            return None
        status = "bounced" if permanent else "delayed"
        detail = reason[:500]
        if not any(c.status == status and c.detail == detail for c in original.status_history):
            await self._store.events.add_status(
                original.id, StatusChange(status=status, detail=detail))
        if permanent and original.to and original.person_id:
            await self._count_hard_bounce(original, detail)
        event = Event(
            id=new_id(), person_id=original.person_id, household_id=original.household_id,
            organisation_id=original.organisation_id, role_id=original.role_id,
            channel="email", direction="inbound", occurred_at=message.occurred_at,
            subject=message.subject, text=message.text or detail, to=message.to,
            external_id=message.external_id, status="received",
            thread_id=original.thread_id or original.id, campaign_id=original.campaign_id,
            data={**message.data, "flags": ["bounce", "hard_bounce"] if permanent else ["bounce"],
                  "bounce": {"permanent": permanent, "reason": detail,
                             "original_event_id": original.id}},
            from_=message.from_address,
        )
        return await self._timeline.record(event)

    async def record_complaint(
        self, message: InboundMessage, *, feedback_type: str, original_ids: list[str],
        reply_token: str | None,
    ) -> tuple[Event, bool] | None:
        """A feedback-loop report (ARF) about one of our messages: the recipient marked it as
        spam. The person is opted out of email (source `complaint`) and the report is kept on
        their timeline, flagged `complaint` and linked to the campaign, which the guardrails
        count. None when no outbound message of ours matches. Safe to repeat."""
        known = await self._store.events.find_by_external("email", message.external_id)
        if known is not None:
            return known, False
        original = await self._bounced_original(original_ids, reply_token)
        if original is None:
            return None
        person = await self._store.persons.get(original.person_id) \
            if original.person_id else None
        if person is not None and person.is_active:
            change = apply_consent(person, "email", "opted_out", source="complaint",
                                   address=original.to)
            if change is not None:
                person.updated_at = utcnow()
                await self._store.persons.replace(person)
                await self._timeline.record(change)
            if original.campaign_id:
                await self._store.deliveries.mark_opted_out(original.campaign_id, person.id,
                                                            utcnow())
        event = Event(
            id=new_id(), person_id=original.person_id, household_id=original.household_id,
            channel="email", direction="inbound", occurred_at=message.occurred_at,
            subject=message.subject, text=f"spam complaint ({feedback_type})",
            to=message.to, external_id=message.external_id, status="received",
            thread_id=original.thread_id or original.id, campaign_id=original.campaign_id,
            data={"flags": ["complaint"], "complaint": {
                "feedback_type": feedback_type[:50], "original_event_id": original.id}},
            from_=message.from_address,
        )
        return await self._timeline.record(event)

    async def _bounced_original(
        self, original_ids: list[str], reply_token: str | None
    ) -> Event | None:
        for original_id in original_ids:
            found = await self._store.events.find_by_external("email", original_id)
            if found is not None and found.direction == "outbound":
                return found
        event_id = self._tokens.event_id(reply_token) if reply_token else None
        found = await self._store.events.get(event_id) if event_id else None
        return found if found is not None and found.direction == "outbound" else None

    async def _count_hard_bounce(self, original: Event, reason: str) -> None:
        """Repeated hard bounces (of distinct messages) mark the address undeliverable."""
        address = (original.to or "").lower()
        key = f"email-bounces:{address}"
        state = await self._store.channel_state.get(key) or {"events": [], "undeliverable": False}
        if original.id in state["events"]:
            return
        state["events"] = [*state["events"], original.id][-20:]
        state["last_reason"] = reason
        newly = len(state["events"]) >= HARD_BOUNCE_LIMIT and not state["undeliverable"]
        if newly:
            state["undeliverable"] = True
            state["since"] = utcnow().isoformat()
        await self._store.channel_state.put(key, state)
        if newly and original.person_id:
            await self._mark_undeliverable(original.person_id, address, len(state["events"]))

    async def _mark_undeliverable(self, person_id: str, address: str, bounces: int) -> None:
        person = await self._store.persons.get(person_id)
        if person is not None:
            attributes = {**person.attributes, "email_undeliverable": address}
            await self._store.persons.replace(
                person.model_copy(update={"attributes": attributes, "updated_at": utcnow()}))
        await self._timeline.record(Event(
            id=new_id(), person_id=person_id, channel="system", direction="internal",
            text=f"{address} marked undeliverable after {bounces} hard bounces",
            data={"undeliverable": {"channel": "email", "address": address}},
        ))

    async def quarantined(self, entry_id: str) -> QuarantineEntry | None:
        return await self._store.quarantine.get(entry_id)

    async def quarantine_entries(self, *, status: QuarantineStatus | None = None, limit: int,
                                 after_id: str | None = None) -> list[QuarantineEntry]:
        """Quarantined input, oldest first (the API pages it; the staff page shows the held)."""
        return await self._store.quarantine.find(status=status, limit=limit, after_id=after_id)

    async def retryable(self, entry_id: str) -> QuarantineEntry:
        """The entry, when it can be processed again: raw mail not yet stored as an event.
        NotFound or Conflict (with the reason) otherwise."""
        entry = await self._store.quarantine.get(entry_id)
        if entry is None:
            raise NotFound(N_("no quarantine entry %(entry_id)s"),
                           params={"entry_id": entry_id}, details={"id": entry_id})
        if not entry.source.startswith(RETRYABLE_SOURCES):
            raise Conflict(N_("entries from %(source)s cannot be retried here"),
                           params={"source": repr(entry.source)},
                           details={"source": entry.source})
        if entry.status == "resolved":
            raise Conflict(N_("this entry was already stored as an event"),
                           details={"event_id": entry.event_id})
        return entry

    async def update_quarantined(self, entry: QuarantineEntry) -> None:
        await self._store.quarantine.replace(entry)

"""The one path raw mail takes, from IMAP, the MTA route and `hub ingest-eml`: parse, then
record as an event (or mark a bounced original), or quarantine with the reason. Nothing is
dropped: only a store outage escapes, so the caller can retry (MTA: exit 75; IMAP: next poll).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from channels.email.bounces import Bounce, detect_bounce
from channels.email.complaints import Complaint, detect_complaint
from channels.email.inbound import ParsedEmail, UnreadableMail, parse_email
from hub.domain.events import Event
from hub.domain.quarantine import QuarantineEntry
from hub.errors import HubError, NotFound, Transient
from hub.services.inbox import InboxService

log = logging.getLogger("hub.email.ingest")
DEFAULT_ATTACHMENT_LIMIT = 25 * 1024 * 1024
READ_ON_THE_LOOP = 8 * 1024
"""Messages up to this size are parsed on the event loop (0.3-0.7 ms for a plain reply, some
2 ms at most for dense HTML): handing one to a worker thread and back costs 0.1 ms of CPU or
more, up to a third of its parse. Bigger messages are parsed in a worker thread (32 KiB of
dense HTML takes some 9 ms), and attachments are always written there (each write waits for
the disk)."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    event: Event | None = None
    quarantine: QuarantineEntry | None = None
    created: bool = False  # False: the same message was already stored

    def to_json(self) -> dict[str, Any]:
        if self.event is not None:
            return {"kind": "event", "created": self.created, "event": self.event.to_json()}
        assert self.quarantine is not None
        return {"kind": "quarantine", "created": self.created,
                "quarantine": quarantine_json(self.quarantine)}


@dataclass(frozen=True, slots=True)
class ReadMail:
    """A parsed message and what kind of report it is, without the parsed tree."""

    parsed: ParsedEmail
    complaint: Complaint | None
    bounce: Bounce | None
    blob_keys: tuple[str | None, ...] = ()
    """Per attachment, where `keep_attachments` stored it (None: over the limit, not kept)."""


def read_mail(raw: bytes, attachment_limit: int) -> ReadMail:
    """Parse once and classify (complaint, bounce) in the same call: the `email` package
    parses a header each time it is read, so the reads happen here (in the worker thread,
    for a big message), and the tree (a big body's text included) is let go before storing."""
    parsed = parse_email(raw, attachment_limit=attachment_limit)
    mail, parsed.mail = parsed.mail, None
    complaint = detect_complaint(mail) if mail is not None else None
    bounce = detect_bounce(mail) if mail is not None and complaint is None else None
    return ReadMail(parsed, complaint, bounce)


def read_and_keep(raw: bytes, attachment_limit: int, keep: Callable[[bytes], str]) -> ReadMail:
    """`read_mail`, then `keep_attachments`, in one worker-thread call (one hand-over for
    both)."""
    return keep_attachments(read_mail(raw, attachment_limit), keep)


def keep_attachments(read: ReadMail, keep: Callable[[bytes], str]) -> ReadMail:
    """Each attachment written to the blob store by `keep` (durably: the event naming it is
    committed later); the attachments' bytes are let go once written."""
    if not read.parsed.attachments:
        return read
    keys = tuple(keep(a.data) if a.data is not None else None for a in read.parsed.attachments)
    read.parsed.attachments = [replace(a, data=None) for a in read.parsed.attachments]
    return replace(read, blob_keys=keys)


def quarantine_json(entry: QuarantineEntry) -> dict[str, Any]:
    data = entry.to_json()
    return {key: data[key] for key in ("id", "source", "reason", "received_at", "size",
                                       "status", "attempts", "event_id")}


class EmailIngest:
    def __init__(self, inbox: InboxService, *,
                 attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT) -> None:
        self._inbox = inbox
        self._limit = attachment_limit

    async def ingest(self, raw: bytes, *, source: str,
                     quarantine_id: str | None = None) -> IngestResult:
        """Store one raw message once. Raises only Transient (the store is unavailable)."""
        try:
            try:
                read = await self._read(raw)
            except UnreadableMail as exc:
                return await self._quarantine(raw, source, exc.message, quarantine_id)
            return await self._record(read)
        except Transient:
            raise
        except HubError as exc:
            return await self._quarantine(raw, source, exc.message, quarantine_id)
        except Exception as exc:  # a bug or a parser surprise: keep the mail, say why
            log.exception("unexpected error ingesting a message from %s", source)
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            return await self._quarantine(raw, source, reason, quarantine_id)

    async def _read(self, raw: bytes) -> ReadMail:
        """Parse, and keep the attachments, off the event loop unless the message is small
        (`READ_ON_THE_LOOP`) and has nothing to write."""
        keep = self._inbox.keep_blob_here
        if len(raw) > READ_ON_THE_LOOP:
            return await asyncio.to_thread(read_and_keep, raw, self._limit, keep)
        read = read_mail(raw, self._limit)
        if not any(attachment.data is not None for attachment in read.parsed.attachments):
            return keep_attachments(read, keep)  # none to write: only lists them
        return await asyncio.to_thread(keep_attachments, read, keep)

    async def _quarantine(self, raw: bytes, source: str, reason: str,
                          entry_id: str | None) -> IngestResult:
        entry, created = await self._inbox.quarantine_once(source=source, raw=raw,
                                                           reason=reason, entry_id=entry_id)
        if created:
            log.info("mail quarantined", extra={"quarantine_id": entry.id, "source": source})
        return IngestResult(quarantine=entry, created=created)

    async def _record(self, read: ReadMail) -> IngestResult:
        parsed, complaint, bounce = read.parsed, read.complaint, read.bounce
        message = parsed.message
        if parsed.attachments:
            listed = [{"name": attachment.name, "content_type": attachment.content_type,
                       "size": attachment.size, "blob_key": key, "kept": key is not None}
                      for attachment, key in zip(parsed.attachments, read.blob_keys,
                                                 strict=True)]
            message = message.model_copy(update={"data": {**message.data,
                                                          "attachments": listed}})
        if complaint is not None:
            recorded = await self._inbox.record_complaint(
                message, feedback_type=complaint.feedback_type,
                original_ids=complaint.original_ids, reply_token=complaint.reply_token)
            if recorded is None:
                raise UnreadableMail("a spam complaint about a message we did not send (or no "
                                     "longer have)")
            event, created = recorded
        elif bounce is not None:
            recorded = await self._inbox.record_bounce(
                message.model_copy(update={"flags": [*message.flags, "bounce"]}),
                permanent=bounce.permanent, reason=bounce.reason,
                original_ids=bounce.original_ids, reply_token=bounce.reply_token)
            if recorded is None:
                raise UnreadableMail("a bounce for a message we did not send (or no longer "
                                     f"have): {bounce.reason}")
            event, created = recorded
        else:
            event, created = await self._inbox.record(message)
        return IngestResult(event=event, created=created)

    async def retry(self, entry_id: str) -> IngestResult:
        """Process a quarantined message again (after a fix); the entry records the outcome."""
        entry = await self._inbox.quarantined(entry_id)
        if entry is None:
            raise NotFound(f"no quarantine entry {entry_id}")
        raw = await self._inbox.raw(entry)
        try:
            read = await self._read(raw)
            result = await self._record(read)
        except Transient:
            raise
        except Exception as exc:
            reason = exc.message if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
            updated = entry.model_copy(update={
                "status": "failed_again", "reason": reason[:1000], "attempts": entry.attempts + 1})
            await self._inbox.update_quarantined(updated)
            return IngestResult(quarantine=updated)
        assert result.event is not None
        updated = entry.model_copy(update={"status": "resolved", "event_id": result.event.id,
                                           "attempts": entry.attempts + 1})
        await self._inbox.update_quarantined(updated)
        return result

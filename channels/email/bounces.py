"""Bounces: delivery status notifications (RFC 3464) and the home-made formats of real MTAs.

Detection is `flufl.bounce` (GNU Mailman's detectors for dozens of MTA formats); this module
only decides whether a message looks like a bounce at all, and finds what it is about: the
Message-ID of our original (from the returned headers) and, as a second key, the reply token
our `Reply-To` carried, which the returned headers include.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email.message import Message

from flufl.bounce import all_failures

from channels.email.inbound import MSGID, TOKEN_IN_ADDRESS, clean
from channels.email.mime import one_line

log = logging.getLogger("hub.email.bounces")
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mail\.delivery\.system|"
                            r"mailadm|bounces?)@", re.I)
BOUNCE_SUBJECT = re.compile(r"(undeliver|delivery status notification|returned mail|"
                            r"failure notice|delivery failure|mail delivery failed|"
                            r"non[- ]?delivery|onbestelbaar|niet afgeleverd)", re.I)
ORIGINAL_ID = re.compile(r"^\s*Message-ID:\s*<([^<>\s]{1,900})>", re.I | re.M)


@dataclass(frozen=True, slots=True)
class Bounce:
    permanent: bool
    recipients: list[str]
    reason: str
    original_ids: list[str] = field(default_factory=list)  # Message-IDs of what bounced
    reply_token: str | None = None


def looks_like_bounce(mail: Message) -> bool:
    if mail.get_content_type() == "multipart/report" and \
            str(mail.get_param("report-type", "")).lower() == "delivery-status":
        return True
    sender = clean(str(mail.get("From", "") or ""))
    address = sender[sender.rfind("<") + 1:].strip(" >") if "<" in sender else sender.strip()
    return_path = clean(str(mail.get("Return-Path", "") or "")).strip()
    subject = clean(str(mail.get("Subject", "") or ""))
    from_daemon = BOUNCE_SENDERS.match(address) is not None
    null_sender = return_path == "<>" and BOUNCE_SUBJECT.search(subject) is not None
    return from_daemon or null_sender


def _status_reason(mail: Message) -> str | None:
    """`Status` and `Diagnostic-Code` of the first failed recipient of a DSN."""
    for part in mail.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks[1:] or blocks:
            if not isinstance(block, Message):
                continue
            status = clean(str(block.get("Status", "") or ""))
            diagnostic = clean(str(block.get("Diagnostic-Code", "") or ""))
            if status or diagnostic:
                return one_line(f"{status} {diagnostic}".strip(), 500)
    return None


def _text_reason(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                lines = [line.strip() for line in
                         payload.decode("utf-8", "replace").splitlines() if line.strip()]
                return one_line(" ".join(lines[:4]), 500)
    return "the message could not be delivered"


def _returned_headers(mail: Message) -> str:
    """The text of the returned original (message/rfc822, text/rfc822-headers, or the body)."""
    chunks: list[str] = []
    for part in mail.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inners = part.get_payload()
            for inner in inners if isinstance(inners, list) else []:
                if isinstance(inner, Message):
                    chunks.extend(f"{k}: {v}" for k, v in inner.items())
        elif content_type in ("text/rfc822-headers", "text/plain"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                chunks.append(payload.decode("utf-8", "replace"))
    return clean("\n".join(chunks))


def detect_bounce(mail: Message) -> Bounce | None:
    """A Bounce when `mail` is one, else None."""
    if not looks_like_bounce(mail):
        return None
    try:
        temporary, permanent = all_failures(mail)
    except Exception:  # a detector choking on odd input must not lose the message
        log.warning("bounce detectors failed on a message", exc_info=True)
        temporary, permanent = set(), set()
    returned = _returned_headers(mail)
    own_id = MSGID.search(clean(str(mail.get("Message-ID", "") or "")))
    original_ids = [i for i in ORIGINAL_ID.findall(returned)
                    if own_id is None or i != own_id.group(1)]
    token = TOKEN_IN_ADDRESS.search(returned)
    addresses = sorted({a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)
                        for a in (permanent or temporary)})
    return Bounce(
        permanent=bool(permanent), recipients=addresses,
        reason=_status_reason(mail) or _text_reason(mail), original_ids=original_ids[:10],
        reply_token=token.group(1).lower() if token else None,
    )

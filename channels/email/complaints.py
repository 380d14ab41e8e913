"""Spam complaints: feedback-loop reports in the Abuse Reporting Format (RFC 5965).

A mailbox provider that runs a feedback loop sends `multipart/report;
report-type=feedback-report` with a `message/feedback-report` part (`Feedback-Type: abuse`)
and the original message or its headers. Bounces have their own module (`bounces`, through
flufl.bounce); this one only recognises a report and finds what it is about, the same way:
the Message-ID of our original and the reply token its `Reply-To` carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from channels.email.bounces import ORIGINAL_ID
from channels.email.inbound import TOKEN_IN_ADDRESS, clean

FEEDBACK_TYPES = frozenset({"abuse", "fraud", "virus", "other", "not-spam", "auth-failure"})
COMPLAINTS = frozenset({"abuse", "fraud", "virus", "other"})
"""Feedback types that count as a complaint (`not-spam` and `auth-failure` do not)."""


@dataclass(frozen=True, slots=True)
class Complaint:
    feedback_type: str
    original_ids: list[str]
    reply_token: str | None = None


def _feedback_type(mail: Message) -> str | None:
    for part in mail.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else [part]
        text = ""
        for block in blocks:
            if isinstance(block, Message):
                text += "\n".join(f"{k}: {v}" for k, v in block.items())
                inner = block.get_payload()
                if isinstance(inner, str):
                    text += "\n" + inner
        for line in text.splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() == "feedback-type":
                kind = value.strip().lower()
                return kind if kind in FEEDBACK_TYPES else "other"
        return "other"
    return None


def _returned(mail: Message) -> str:
    chunks: list[str] = []
    for part in mail.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inners = part.get_payload()
            for inner in inners if isinstance(inners, list) else []:
                if isinstance(inner, Message):
                    chunks.extend(f"{k}: {v}" for k, v in inner.items())
        elif content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                chunks.append(payload.decode("utf-8", "replace"))
    return clean("\n".join(chunks))


def detect_complaint(mail: Message) -> Complaint | None:
    """A Complaint when `mail` is a feedback report of a complaint type, else None."""
    if mail.get_content_type() != "multipart/report" or \
            str(mail.get_param("report-type", "")).lower() != "feedback-report":
        return None
    feedback_type = _feedback_type(mail)
    if feedback_type is None or feedback_type not in COMPLAINTS:
        return None
    returned = _returned(mail)
    token = TOKEN_IN_ADDRESS.search(returned)
    return Complaint(feedback_type=feedback_type, original_ids=ORIGINAL_ID.findall(returned)[:10],
                     reply_token=token.group(1).lower() if token else None)

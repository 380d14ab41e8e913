"""Outbound MIME: every header built by the `email` package, no CR/LF from any input.

A message has a text part and, when HTML is given, an HTML alternative; a `Message-ID` on our
domain; `Date`; `From` from HUB_EMAIL_FROM; a `Reply-To` that carries the per-message reply
token as a sub-address of the sender (`local+TOKEN@domain`), so a reply threads even when the
customer's client drops `In-Reply-To`. Non-ASCII subjects and names are RFC 2047 encoded by
the `email` package's default policy.
"""

from __future__ import annotations

import re
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from hub.errors import SendFailed
from hub.ports import OutboundMessage

CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
MAX_SUBJECT = 900
# Headers a caller may add (e.g. List-Unsubscribe); everything else is ours to set.
ALLOWED_EXTRA = {"list-unsubscribe", "list-unsubscribe-post", "list-id", "auto-submitted",
                 "precedence", "x-campaign", "in-reply-to", "references"}


class ListHeader(UnstructuredHeader):
    """RFC 2369 / 8058 `List-Unsubscribe`: ASCII `<uri>` items, folded only between items and
    never RFC 2047-encoded (the default folding turns a long URL into encoded words, which
    mail clients do not read as a URL, and is the slowest part of building a message)."""

    def fold(self, *, policy: Any) -> str:
        items = [item.strip() for item in str(self).split(",") if item.strip()]
        name = str(self.name)  # type: ignore[attr-defined]  # from BaseHeader, mixed in
        return f"{name}: " + ("," + policy.linesep + " ").join(items) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", ListHeader)  # type: ignore[arg-type]  # stubs
POLICY = SMTP_POLICY.clone(header_factory=_HEADERS)


def one_line(value: str, limit: int = MAX_SUBJECT) -> str:
    """A header value with every control character (CR, LF, TAB, NUL, ...) folded to a space."""
    return CONTROL.sub(" ", value).strip()[:limit]


def sender_address(email_from: str) -> Address:
    """HUB_EMAIL_FROM (`hub@example.com` or `Hub <hub@example.com>`) as a header Address."""
    name, addr = parseaddr(email_from)
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise SendFailed(f"HUB_EMAIL_FROM is not an address: {email_from!r}")
    return Address(display_name=one_line(name, 200), username=local, domain=domain)


def reply_address(sender: Address, token: str) -> Address:
    """`local+TOKEN@domain`: delivered to the sender's own mailbox by sub-addressing."""
    base = sender.username.split("+", 1)[0]
    return Address(display_name=sender.display_name, username=f"{base}+{token}",
                   domain=sender.domain)


def build_message(message: OutboundMessage, email_from: str) -> EmailMessage:
    """The MIME message for `message`; raises SendFailed when the recipient is not usable."""
    sender = sender_address(email_from)
    mail = EmailMessage(policy=POLICY)
    to_name, to_addr = parseaddr(one_line(message.to, 400))
    local, _, domain = to_addr.rpartition("@")
    if not local or not domain:
        raise SendFailed(f"not an email address: {message.to!r}", provider_code="invalid_to")
    mail["From"] = sender
    mail["To"] = Address(display_name=one_line(to_name, 200), username=local, domain=domain)
    mail["Subject"] = one_line(message.subject or "")
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(idstring=message.event_id, domain=sender.domain)
    if message.reply_token:
        mail["Reply-To"] = reply_address(sender, message.reply_token)
    for name, value in message.headers.items():
        if name.lower() in ALLOWED_EXTRA:
            if name.lower() == "list-unsubscribe" and not value.isascii():
                continue  # URIs are ASCII; anything else is not a usable list header
            mail[one_line(name, 76)] = one_line(value, 2000)
    mail.set_content(message.text, cte="quoted-printable")
    if message.html:
        mail.add_alternative(message.html, subtype="html", cte="quoted-printable")
    return mail


def message_id_of(mail: EmailMessage) -> str:
    """The Message-ID without angle brackets: the key inbound references are matched on."""
    return str(mail["Message-ID"]).strip().strip("<>")

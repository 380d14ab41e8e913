"""Outbound MIME: every header built by the `email` package, no CR/LF from any input.

A message has a text part and, when HTML is given, an HTML alternative; a `Message-ID` on our
domain; `Date`; `From` from HUB_EMAIL_FROM; a `Reply-To` that carries the per-message reply
token as a sub-address of the sender (`local+TOKEN@domain`), so a reply threads even when the
customer's client drops `In-Reply-To`. Non-ASCII subjects and names are RFC 2047 encoded by
the `email` package's default policy.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import quoprimime
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formatdate, make_msgid, parseaddr
from functools import lru_cache
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
    if message.sender_name:  # an A/B variant's sender name, same address
        sender = Address(display_name=one_line(message.sender_name, 200),
                         username=sender.username, domain=sender.domain)
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


# --- the fast path: the same message as wire bytes, without building an EmailMessage -------

PRINTABLE = re.compile(r"[ -~]*")
PLAIN_NAME = re.compile(r"(?:[A-Za-z0-9]+(?: [A-Za-z0-9]+)*)?")
PLAIN_ADDR = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
MAX_LINE = 78


@dataclass(frozen=True, slots=True)
class WireMessage:
    """A message ready for SMTP: envelope, RFC 5322 bytes (CRLF, 7-bit), its Message-ID."""

    sender: str
    recipient: str
    data: bytes
    message_id: str  # without angle brackets, as `message_id_of` gives it


def fold(name: str, value: str | Address) -> str:
    """One header line (CRLF-terminated). Short plain ASCII is written as is, which is what
    the `email` package writes for it; anything else (non-ASCII, long, quoting) is folded by
    the `email` package itself."""
    if isinstance(value, Address):
        plain = (PLAIN_NAME.fullmatch(value.display_name) is not None
                 and PLAIN_ADDR.fullmatch(value.addr_spec) is not None)
    else:
        plain = PRINTABLE.fullmatch(value) is not None and "=?" not in value
    if plain:
        line = f"{name}: {value}"
        if len(line) <= MAX_LINE:
            return line + "\r\n"
    return str(_HEADERS(name, value).fold(policy=POLICY))


@dataclass(frozen=True, slots=True)
class _Sender:
    address: Address
    from_line: str
    addr_spec: str  # computed by the `email` package on each read: read once here
    reply_base: str  # `reply_address`'s local part before the token
    plain_name: bool  # the display name needs no quoting or encoding


@lru_cache(maxsize=16)
def _sender(email_from: str) -> _Sender:
    sender = sender_address(email_from)
    return _Sender(sender, fold("From", sender), sender.addr_spec,
                   sender.username.split("+", 1)[0],
                   PLAIN_NAME.fullmatch(sender.display_name) is not None)


def _reply_to_line(sender: _Sender, token: str) -> str:
    """`fold("Reply-To", reply_address(sender, token))` without building the Address: a
    plain name and address are written as they are, on the header's line when they fit
    there, else on one folded line of their own (a display name makes the line too long
    for the first; the `email` package's own folding took ~0.2 ms per message)."""
    address = sender.address
    addr_spec = f"{sender.reply_base}+{token}@{address.domain}"
    if sender.plain_name and PLAIN_ADDR.fullmatch(addr_spec):
        value = f"{address.display_name} <{addr_spec}>" if address.display_name else addr_spec
        if len(value) + len("Reply-To: ") <= MAX_LINE:
            return f"Reply-To: {value}\r\n"
        if len(value) + 1 <= MAX_LINE:
            return f"Reply-To:\r\n {value}\r\n"
    return fold("Reply-To", reply_address(address, token))


PLAIN_LINES = re.compile(r"[\n -~]*")  # printable ASCII lines: only `=` needs quoting


def _soft_broken(line: str, out: list[str]) -> None:
    """`quoprimime.body_encode`'s line breaking, for one line already quoted that holds
    printable ASCII only (its `=XX` escapes are never split; a trailing space is quoted)."""
    start, laststart = 0, len(line) - 1 - MAX_LINE
    while start <= laststart:
        stop = start + MAX_LINE - 1
        if line[stop - 2] == "=":
            out.append(line[start:stop - 1])
            start = stop - 2
        elif line[stop - 1] == "=":
            out.append(line[start:stop])
            start = stop - 1
        else:
            out.append(line[start:stop] + "=")
            start = stop
    if line.endswith(" "):
        room = start - laststart
        tail = "=20" if room >= 3 else " =\r\n" if room == 2 else "=\r\n=20"
        out.append(line[start:-1] + tail)
    else:
        out.append(line[start:])


def quoted_printable(content: str) -> str:
    """`content` as `set_content(…, cte="quoted-printable")` encodes it (CRLF line ends).
    Printable ASCII (nearly every rendered message: only `=` needs quoting) is quoted and
    broken here, as `quoprimime` does it, without its per-character translation table;
    anything else goes through `quoprimime`."""
    if PLAIN_LINES.fullmatch(content):
        lines = content.replace("=", "=3D").split("\n")
        if lines[-1] == "":
            lines.pop()
        if all(len(line) <= MAX_LINE and not line.endswith(" ") for line in lines):
            return "".join(line + "\r\n" for line in lines) or "\r\n"
        out: list[str] = []
        for line in lines:
            _soft_broken(line, out)
        return "".join(piece + "\r\n" for piece in out) or "\r\n"
    lines_bytes = content.encode("utf-8").splitlines()
    body = quoprimime.body_encode((b"\n".join(lines_bytes) + b"\n").decode("latin-1"),
                                  MAX_LINE, eol="\r\n")
    return body if body.endswith("\r\n") else body + "\r\n"


def _text_part(subtype: str, content: str) -> str:
    """A text part as `set_content(…, cte="quoted-printable")` encodes it."""
    body = quoted_printable(content)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{body}")


DOT_ATOM_ADDR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                           r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def _recipient(to: str) -> tuple[str, str]:
    """`parseaddr` of the recipient; a bare dot-atom address (nearly every one) is its own
    answer, without the parser (the slowest step of building a message)."""
    if DOT_ATOM_ADDR.fullmatch(to):
        return "", to
    return parseaddr(one_line(to, 400))


_date: tuple[int, str] = (-1, "")


def _date_line() -> str:
    """`Date:` now, formatted once per second (the header's resolution)."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        now = datetime.fromtimestamp(second, UTC)
        _date = (second, f"Date: {format_datetime(now)}\r\n")
    return _date[1]


def wire_message(message: OutboundMessage, email_from: str) -> WireMessage | None:
    """`build_message(message, email_from)` as SMTP-ready bytes, several times cheaper;
    None when an address needs SMTPUTF8 (then send `build_message` as it is). Raises
    SendFailed when the recipient is not usable."""
    known = _sender(email_from)
    sender, from_line, sender_spec = known.address, known.from_line, known.addr_spec
    if message.sender_name:  # an A/B variant's sender name, same address
        sender = Address(display_name=one_line(message.sender_name, 200),
                         username=sender.username, domain=sender.domain)
        from_line = fold("From", sender)
    to_name, to_addr = _recipient(message.to)
    local, _, domain = to_addr.rpartition("@")
    if not local or not domain:
        raise SendFailed(f"not an email address: {message.to!r}", provider_code="invalid_to")
    if not (to_addr.isascii() and sender_spec.isascii()):
        return None
    if not to_name and DOT_ATOM_ADDR.fullmatch(to_addr) and len(to_addr) <= MAX_LINE - 4:
        recipient, to_line = to_addr, f"To: {to_addr}\r\n"  # what `fold` writes for it
    else:
        to = Address(display_name=one_line(to_name, 200), username=local, domain=domain)
        recipient, to_line = to.addr_spec, fold("To", to)
    msgid = make_msgid(idstring=message.event_id, domain=sender.domain)
    head = [from_line, to_line, fold("Subject", one_line(message.subject or "")),
            _date_line(),
            f"Message-ID: {msgid}\r\n" if PRINTABLE.fullmatch(msgid) and " " not in msgid
            else fold("Message-ID", msgid)]
    if message.reply_token:
        head.append(_reply_to_line(known, message.reply_token) if not message.sender_name
                    else fold("Reply-To", reply_address(sender, message.reply_token)))
    for name, value in message.headers.items():
        lower = name.lower()
        if lower not in ALLOWED_EXTRA:
            continue
        if lower == "list-unsubscribe":
            if not value.isascii():
                continue
            items = [i.strip() for i in one_line(value, 2000).split(",") if i.strip()]
            head.append(f"{one_line(name, 76)}: " + ",\r\n ".join(items) + "\r\n")
        else:
            head.append(fold(one_line(name, 76), one_line(value, 2000)))
    head.append("MIME-Version: 1.0\r\n")
    if message.html:
        # random as the stdlib's generator makes it: unique, not secret (uuid4 read
        # os.urandom, a system call per message)
        boundary = f"==============={random.randrange(10**19):019d}=="
        head.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
                    f"\r\n--{boundary}\r\n{_text_part('plain', message.text)}"
                    f"\r\n--{boundary}\r\n{_text_part('html', message.html)}"
                    f"\r\n--{boundary}--\r\n")
    else:
        head.append(_text_part("plain", message.text))
    return WireMessage(sender=sender_spec, recipient=recipient,
                       data="".join(head).encode("ascii"), message_id=msgid.strip("<>"))

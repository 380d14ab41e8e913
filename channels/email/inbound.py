"""Raw RFC 822 bytes → `InboundMessage`: strict identity, best text, safe HTML, attachments.

Identity comes from exactly one strictly parsed `From` address (`email.headerregistry`), never
from `Reply-To`. Every header value we keep is one line: control characters (an encoded CR/LF
in a subject included) are folded to spaces, so nothing read here can inject a header into mail
we send. Mail that cannot be read raises `UnreadableMail` with the reason; callers quarantine.

The `email` package's header parser is slow on huge values (an 84 KB To: takes 2.4 s, 700 KB
35 s), so the raw header section is measured before parsing (`check_header_limits`): a header
section, one header or one address list beyond the caps below is quarantined, not parsed.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.feedparser import BytesFeedParser
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

from channels.email.content import html_to_text, sanitise_html, trim_reply
from channels.email.mime import one_line
from channels.email.read_policy import READ_POLICY
from hub.domain.identities import normalise_email
from hub.domain.messages import InboundFlag, InboundMessage
from hub.errors import InvalidInput

MSGID = re.compile(r"<([^<>\s]{1,900})>")
TOKEN_IN_ADDRESS = re.compile(r"\+([0-9a-fA-F]{24}\.[0-9a-fA-F]{16})@")
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
AUTO_SUBJECT = re.compile(r"^\s*(out of (the )?office|automatic reply|auto(matisch)?[ -]?"
                          r"(reply|antwoord|response)|afwezig|abwesenheit|autosvar|"
                          r"absence|vacation)\b", re.I)
MAX_TEXT = 200_000
MAX_REFERENCES = 50
MAX_ATTACHMENTS = 100
MAX_HEADER_SECTION = 256 * 1024
MAX_HEADER = 16 * 1024
"""One header field, unfolded; RFC 5322 lines stop at 998 characters, and 16 KiB holds a
References chain of some 300 ids (of which we keep the last MAX_REFERENCES)."""
MAX_ADDRESSES = 200
"""Per address header; RFC 5321 asks servers to take 100 recipients."""
ADDRESS_HEADERS = frozenset({
    "from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender",
    "resent-to", "resent-cc", "resent-bcc", *(name.lower() for name in RECIPIENT_HEADERS)})
FEED_CHUNK = 64 * 1024
"""Bytes handed to the parser at a time: `BytesParser.parsebytes` would first copy the whole
message into a str and then a StringIO (4 bytes a character): 5 times a big message's size."""
BIG_BODY = 64 * 1024
"""A base64 body at least this long is decoded in one step (`binascii`), not through
`get_payload(decode=True)`, which copies it three times over (bytes, lines, joined lines)."""
HEADER_END = re.compile(rb"\r?\n\r?\n")
LINE_END = re.compile(rb"\r\n|\r|\n")
LINE_BREAK = re.compile(r"\n|\r")
"""What `policy.default` takes out of a header value before parsing it (unfolding)."""
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
"""An undecodable byte as the `email` package keeps it (surrogateescape)."""


class UnreadableMail(InvalidInput):
    """The bytes are not a mail we can attribute to a sender; quarantine them."""

    code = "unreadable_mail"


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    size: int
    data: bytes | None  # None when over the configured limit (listed, not kept)


@dataclass(slots=True)
class ParsedEmail:
    message: InboundMessage
    attachments: list[Attachment] = field(default_factory=list)
    mail: Message | None = None  # the parsed message (bounce detection reads it)


def clean(value: str) -> str:
    """Text from a possibly 8-bit, surrogate-escaped header or body: valid Unicode, no NULs."""
    if not value.isascii() and ESCAPED_BYTE.search(value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value.replace("\x00", "")


def header_text(mail: Message, name: str) -> str:
    try:
        value = mail.get(name)
        return one_line(clean(str(value))) if value is not None else ""
    except Exception:  # a malformed header may fail to parse on access: treat as absent
        return ""


def message_id(mail: Message, raw: bytes) -> str:
    """The Message-ID without brackets; `sha256:<hex of the raw bytes>` when there is none."""
    found = MSGID.search(clean(str(mail.get("Message-ID", "") or "")))
    if found:
        return found.group(1)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def sender(mail: Message) -> tuple[str, str]:
    """(address, display name) from exactly one From header holding exactly one address."""
    try:
        headers = mail.get_all("From") or []
    except Exception as exc:
        raise UnreadableMail(f"the From header cannot be parsed: {exc}") from exc
    if not headers:
        raise UnreadableMail("the message has no From header")
    if len(headers) > 1:
        raise UnreadableMail("the message has several From headers")
    header = headers[0]
    if not isinstance(header, AddressHeader):  # only a compat32-parsed message has plain str
        raise UnreadableMail("the From header cannot be parsed: not an address header")
    try:
        addresses = header.addresses
    except Exception as exc:
        raise UnreadableMail(f"the From header cannot be parsed: {exc}") from exc
    if len(addresses) != 1:
        raise UnreadableMail(f"the From header holds {len(addresses)} addresses, not one")
    address = addresses[0]
    try:
        spec = normalise_email(clean(address.addr_spec))
    except InvalidInput as exc:
        raise UnreadableMail(f"the From address is not usable: {exc.message}") from exc
    return spec, one_line(clean(address.display_name), 200)


def raw_header(mail: Message, name: str) -> str | None:
    """The first `name` header's value unfolded and not parsed: what the policy's header
    parser would be given."""
    wanted = name.lower()
    for key, value in mail.raw_items():
        if key.lower() == wanted:
            return "".join(LINE_BREAK.split(str(value)))
    return None


def sent_at(mail: Message) -> datetime:
    """The Date header's time (as `DateHeader.datetime`: `parsedate_to_datetime` of the
    value, without building the header's token tree), or now when it has none or it is
    unreadable or more than an hour ahead."""
    now = datetime.now(UTC)
    value = raw_header(mail, "Date")
    try:
        when = parsedate_to_datetime(value) if value else None
    except Exception:
        when = None
    if when is None:
        return now
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when if when <= now + timedelta(hours=1) else now


def references(mail: Message) -> list[str]:
    """Message ids from References then In-Reply-To, oldest first, without brackets."""
    found: list[str] = []
    for name in ("References", "In-Reply-To"):
        for value in mail.get_all(name) or []:
            for ref in MSGID.findall(clean(str(value))):
                if ref not in found:
                    found.append(ref)
    return found[-MAX_REFERENCES:]


def reply_token(mail: Message) -> str | None:
    for name in RECIPIENT_HEADERS:
        for value in mail.get_all(name) or []:
            match = TOKEN_IN_ADDRESS.search(clean(str(value)))
            if match:
                return match.group(1).lower()
    return None


def first_recipient(mail: Message) -> str | None:
    try:
        header = mail.get("To")
        addresses = header.addresses if isinstance(header, AddressHeader) else ()
    except Exception:
        return None
    return one_line(clean(addresses[0].addr_spec), 320) if addresses else None


def auto_flags(mail: Message, subject: str) -> list[InboundFlag]:
    auto = header_text(mail, "Auto-Submitted").lower()
    if (auto and not auto.startswith("no")) or mail.get("X-Autoreply") or \
            mail.get("X-Autorespond") or header_text(mail, "Precedence").lower() == "auto_reply" \
            or AUTO_SUBJECT.match(subject):
        return ["auto_reply"]
    return []


def part_text(part: Message) -> str:
    """A text part's content; unknown or wrong charsets decode as UTF-8 with replacements."""
    try:
        return clean(part.get_content()) if isinstance(part, EmailMessage) else ""
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True)
        return clean(payload.decode("utf-8", "replace")) if isinstance(payload, bytes) else ""


def parse_bytes(raw: bytes) -> EmailMessage:
    """The message tree of `raw` (`policy.default`, each header parsed once), fed to the parser
    in slices."""
    parser = BytesFeedParser(policy=READ_POLICY.for_message())
    for start in range(0, len(raw), FEED_CHUNK):
        parser.feed(raw[start:start + FEED_CHUNK])
    mail = parser.close()
    assert isinstance(mail, EmailMessage)
    return mail


def part_bytes(part: Message) -> bytes:
    """A leaf part's decoded content; a big base64 body without a copy of its text."""
    payload = part.get_payload()
    if isinstance(payload, str) and len(payload) >= BIG_BODY and payload.isascii() and \
            str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        try:
            return binascii.a2b_base64(payload)
        except binascii.Error:
            pass  # bad padding: the email package's lenient decoder (and its defects)
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


def walk_parts(mail: Message, limit: int) -> tuple[str | None, str | None, list[Attachment]]:
    text = html = None
    attachments: list[Attachment] = []
    for part in mail.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition != "attachment" and not filename and content_type == "text/plain":
            text = text if text is not None else part_text(part)
        elif disposition != "attachment" and not filename and content_type == "text/html":
            html = html if html is not None else part_text(part)
        elif len(attachments) < MAX_ATTACHMENTS:
            data = part_bytes(part)
            name = one_line(clean(str(filename or "")), 255).replace("/", "_").replace("\\", "_")
            attachments.append(Attachment(
                name=name or "attachment", content_type=one_line(content_type, 200),
                size=len(data), data=data if len(data) <= limit else None))
    return text, html, attachments


def _header_fields(section: bytes) -> list[tuple[str, bytes]]:
    """(name, unfolded value with its name) per header field of a raw header section."""
    fields: list[tuple[str, list[bytes]]] = []
    for line in LINE_END.split(section):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1].append(line)  # a continuation line of the field before
        else:
            name = line.split(b":", 1)[0] if b":" in line else b"(not a header)"
            fields.append((name.strip().decode("ascii", "replace")[:76], [line]))
    return [(name, b"".join(parts)) for name, parts in fields]


def check_header_limits(raw: bytes) -> None:
    """UnreadableMail when the top-level header section, one header field in it, or the
    addresses in one address header exceed the caps; linear in the size, no parsing."""
    end = HEADER_END.search(raw, 0, MAX_HEADER_SECTION + 4)
    section = raw[:end.start()] if end else raw
    if len(section) <= MAX_HEADER and section.count(b"@") <= MAX_ADDRESSES:
        return  # no field in it can be over either cap
    if len(section) > MAX_HEADER_SECTION:
        raise UnreadableMail(f"the header section is larger than {MAX_HEADER_SECTION // 1024} "
                             "KiB; it was not parsed")
    for name, value in _header_fields(section):
        if len(value) > MAX_HEADER:
            raise UnreadableMail(f"the {name} header is {len(value) // 1024} KiB, more than the "
                                 f"{MAX_HEADER // 1024} KiB a header may have; it was not parsed")
        if name.lower() in ADDRESS_HEADERS and value.count(b"@") > MAX_ADDRESSES:
            raise UnreadableMail(f"the {name} header lists more than {MAX_ADDRESSES} addresses")


def parse_email(raw: bytes, *, attachment_limit: int) -> ParsedEmail:
    """Read one raw message. Raises UnreadableMail with the reason when it cannot be used."""
    if not raw.strip():
        raise UnreadableMail("the message is empty")
    check_header_limits(raw)
    try:
        mail = parse_bytes(raw)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise UnreadableMail(f"the message cannot be parsed: {exc}") from exc
    address, name = sender(mail)
    subject = header_text(mail, "Subject")
    try:
        text, html, attachments = walk_parts(mail, attachment_limit)
    except Exception as exc:
        raise UnreadableMail(f"the message body cannot be read: {exc}") from exc
    data: dict[str, Any] = {}
    safe_html = None
    if html:
        safe_html, remote = sanitise_html(html)
        if remote:
            data["remote_images"] = remote
        if text is None:
            text = html_to_text(safe_html)
    full = (text or "").strip()
    if len(full) > MAX_TEXT:
        full, data["text_truncated"] = full[:MAX_TEXT], True
    shown = trim_reply(full)
    if shown != full:
        data["full_text"] = full
    if not full and not attachments:
        data["no_text"] = True
    if mail.defects:
        data["mime_defects"] = sorted({type(d).__name__ for d in mail.defects})[:20]
    message = InboundMessage(
        channel="email", external_id=message_id(mail, raw), from_address=address,
        from_name=name, to=first_recipient(mail), subject=subject or None, text=shown,
        html=safe_html, occurred_at=sent_at(mail), references=references(mail),
        reply_token=reply_token(mail), flags=auto_flags(mail, subject), data=data,
    )
    return ParsedEmail(message=message, attachments=attachments, mail=mail)

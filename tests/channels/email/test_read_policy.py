"""Inbound mail is parsed with `READ_POLICY` (each header parsed once per message): it must
read every message of the hostile corpus, bounces and complaints exactly as `policy.default`
does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.feedparser import BytesFeedParser
from email.headerregistry import DateHeader

import pytest

from channels.email import inbound
from channels.email.ingest import read_mail
from channels.email.read_policy import READ_POLICY
from tests.channels.email.corpus import corpus

LIMIT = 25 * 1024 * 1024
DSN = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
       b"To: support@hub.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
       b"Message-ID: <dsn-1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
       b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
       b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
       b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
       b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
       b"Final-Recipient: rfc822; klant@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
       b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
       b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
       b"From: support@hub.example\r\nTo: klant@example.com\r\nMessage-ID: <ours-1@hub>\r\n"
       b"\r\n--B--\r\n")
ARF = (b"From: feedbackloop@mailbox.example\r\nTo: fbl@shop.example\r\n"
       b"Subject: FW: Spring sale\r\nMessage-ID: <arf-1@mailbox.example>\r\nMIME-Version: 1.0\r\n"
       b'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
       b"--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
       b"--F\r\nContent-Type: message/feedback-report\r\n\r\n"
       b"Feedback-Type: abuse\r\nUser-Agent: SomeFBL/1.0\r\nVersion: 1\r\n"
       b"Original-Rcpt-To: klant@example.com\r\n\r\n"
       b"--F\r\nContent-Type: text/rfc822-headers\r\n\r\n"
       b"From: news@shop.example\r\nTo: klant@example.com\r\nMessage-ID: <ours-2@hub>\r\n"
       b"\r\n--F--\r\n")
MAILS = [*((name, raw) for name, raw, _ in corpus(include_big=False)),
         ("a delivery status notification", DSN), ("a feedback-loop report", ARF)]


def _default_parse(raw: bytes) -> object:
    parser = BytesFeedParser(policy=policy.default)
    parser.feed(raw)
    return parser.close()


def _outcome(raw: bytes) -> object:
    try:
        read = read_mail(raw, LIMIT)
    except inbound.UnreadableMail as exc:
        return ("unreadable", exc.message)
    message = read.parsed.message.model_dump(exclude={"occurred_at"})
    return (message, read.parsed.attachments, read.complaint, read.bounce)


@pytest.mark.parametrize(("name", "raw"), MAILS)
def test_reads_the_corpus_as_policy_default_does(
        name: str, raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = _outcome(raw)
    monkeypatch.setattr(inbound, "parse_bytes", _default_parse)
    assert ours == _outcome(raw), name


def test_the_reports_are_read_as_reports() -> None:
    bounce, complaint = read_mail(DSN, LIMIT).bounce, read_mail(ARF, LIMIT).complaint
    assert bounce is not None and bounce.permanent and bounce.original_ids == ["ours-1@hub"]
    assert complaint is not None and complaint.original_ids == ["ours-2@hub"]


def test_headers_are_parsed_once_per_message() -> None:
    mine, other = READ_POLICY.for_message(), READ_POLICY.for_message()
    first = mine.header_fetch_parse("Subject", "Vraag over bestelling 12")
    assert mine.header_fetch_parse("Subject", "Vraag over bestelling 12") is first
    assert other.header_fetch_parse("Subject", "Vraag over bestelling 12") is not first


def test_recurring_headers_are_parsed_once_for_all_messages() -> None:
    mine, other = READ_POLICY.for_message(), READ_POLICY.for_message()
    first = mine.header_fetch_parse("From", "Klant <klant@example.com>")
    assert other.header_fetch_parse("From", "Klant <klant@example.com>") is first
    assert first.addresses[0].addr_spec == "klant@example.com"
    content_type = mine.header_fetch_parse("Content-Type", 'text/plain; charset="utf-8"')
    assert other.header_fetch_parse("Content-Type", 'text/plain; charset="utf-8"') \
        is content_type
    assert content_type.params["charset"] == "utf-8"


def test_a_long_address_list_is_parsed_per_message() -> None:
    many = ", ".join(f"klant{n}@example.com" for n in range(40))
    mine, other = READ_POLICY.for_message(), READ_POLICY.for_message()
    assert other.header_fetch_parse("Cc", many) is not mine.header_fetch_parse("Cc", many)


@pytest.mark.parametrize(("name", "raw"), MAILS)
def test_reads_the_corpus_again_as_the_first_time(name: str, raw: bytes) -> None:
    """Parsed the second time from the process-wide cache, a message reads the same."""
    assert _outcome(raw) == _outcome(raw), name


def _date_as_policy_default_reads_it(raw: bytes) -> datetime | None:
    header = _default_parse(raw).get("Date")  # type: ignore[attr-defined]
    when = header.datetime if isinstance(header, DateHeader) else None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


DATES = [b"Mon, 2 Mar 2026 10:00:00 +0100", b"Mon, 2 Mar 2026\r\n 10:00:00 +0100",
         b"2 Mar 2026 10:00:00 -0000", b"Mon, 2 Mar 2026 10:00:00", b"yesterday", b"",
         b"Mon, 32 Mar 2026 10:00:00 +0100", b"Tue, 1 Jan 2999 00:00:00 +0000",
         "Mon, 2 Mar 2026 10:00:00 +0100 (CET \u00e9)".encode()]


@pytest.mark.parametrize("raw", [raw for _, raw in MAILS] + [
    b"From: a@example.com\r\nDate: " + date + b"\r\nSubject: x\r\n\r\nbody\r\n"
    for date in DATES])
def test_the_date_is_read_as_policy_default_reads_it(raw: bytes) -> None:
    """`sent_at` reads the raw Date value (no token tree): the same time, or now."""
    before = datetime.now(UTC)
    try:
        ours = inbound.sent_at(inbound.parse_bytes(raw))
    except Exception:  # a message the parser refuses is not read at all
        return
    expected = _date_as_policy_default_reads_it(raw)
    if expected is None or expected > before + timedelta(hours=1):
        assert before <= ours <= datetime.now(UTC)
    else:
        assert ours == expected

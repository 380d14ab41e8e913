"""Header sizes and address counts are capped before the mail is parsed: the `email` package
takes seconds on a header of a few hundred KB (an 84 KB To: 2.4 s, 700 KB: 35 s), so such a
mail is quarantined with the reason instead of parsed."""

from __future__ import annotations

from tests.channels.email.conftest import MakeApi, post_mail


def mail(*headers: bytes, body: bytes = b"hello\r\n") -> bytes:
    return b"From: Klaas <klant@example.com>\r\n" + b"".join(h + b"\r\n" for h in headers) + \
        b"Subject: hi\r\n\r\n" + body


async def quarantined_reason(make_api: MakeApi, raw: bytes) -> str:
    api = await make_api()
    status, body = await post_mail(api, raw)
    assert status == 202, body
    assert body["kind"] == "quarantine", body
    return str(body["quarantine"]["reason"])


async def test_a_200_kb_to_header_is_quarantined(make_api: MakeApi) -> None:
    to = b"To: " + b",\r\n ".join(b"user%d@example.com" % i for i in range(10_000))
    assert len(to) > 200_000
    reason = await quarantined_reason(make_api, mail(to))
    assert reason.startswith("the To header is 2"), reason
    assert "KiB, more than the 16 KiB" in reason


async def test_too_many_addresses_in_a_small_header_are_quarantined(make_api: MakeApi) -> None:
    cc = b"Cc: " + b",".join(b"u%d@x.nl" % i for i in range(600))
    assert len(cc) < 16 * 1024
    reason = await quarantined_reason(make_api, mail(cc))
    assert reason == "the Cc header lists more than 200 addresses", reason


async def test_a_huge_subject_and_many_headers_are_quarantined(make_api: MakeApi) -> None:
    subject = b"Subject: " + b"spam " * 40_000
    assert "the Subject header is" in await quarantined_reason(make_api, mail(subject))
    many = [b"X-Filler-%d: x" % i for i in range(30_000)]
    reason = await quarantined_reason(make_api, mail(*many))
    assert reason.startswith("the header section is larger than 256 KiB"), reason


async def test_ordinary_mail_with_fifty_recipients_is_an_event(make_api: MakeApi) -> None:
    api = await make_api()
    to = b"To: " + b", ".join(b"Colleague %d <c%d@example.org>" % (i, i) for i in range(50))
    references = b"References: " + b" ".join(b"<thread-%d@example.org>" % i for i in range(80))
    status, body = await post_mail(api, mail(to, references, b"Message-ID: <ok-1@example.com>"))
    assert status == 202 and body["kind"] == "event", body

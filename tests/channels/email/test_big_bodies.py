"""Big attachments: decoded in one step and byte-exact, the parse's memory bounded."""

from __future__ import annotations

import base64
import os
import tracemalloc

from channels.email.inbound import BIG_BODY, parse_email


def _mail(body: bytes) -> bytes:
    return (b"From: klant@example.com\r\nTo: support@hub.example\r\nSubject: bijlage\r\n"
            b"Message-ID: <big-body@example.com>\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: text/plain\r\n\r\nzie bijlage\r\n--b\r\n"
            b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            b'Content-Disposition: attachment; filename="factuur.pdf"\r\n\r\n' + body +
            b"\r\n--b--\r\n")


def test_a_big_base64_attachment_arrives_byte_exact() -> None:
    data = os.urandom(3 * BIG_BODY)
    parsed = parse_email(_mail(base64.encodebytes(data)), attachment_limit=10 * BIG_BODY)
    assert parsed.message.text == "zie bijlage"
    [attachment] = parsed.attachments
    assert (attachment.name, attachment.size, attachment.data) == ("factuur.pdf", len(data), data)


def test_a_big_attachment_with_bad_padding_is_still_read_leniently() -> None:
    data = os.urandom(3 * BIG_BODY + 1)  # base64 of it ends in "=="
    body = base64.encodebytes(data).rstrip().rstrip(b"=")
    [attachment] = parse_email(_mail(body), attachment_limit=10 * BIG_BODY).attachments
    assert attachment.data == data


def test_parsing_a_big_message_peaks_below_three_times_its_size() -> None:
    raw = _mail(base64.encodebytes(os.urandom(4 * 1024 * 1024)))
    tracemalloc.start()
    try:
        parsed = parse_email(raw, attachment_limit=len(raw))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert parsed.attachments[0].size == 4 * 1024 * 1024
    assert peak < 3 * len(raw)  # parsebytes alone peaked near 8 times

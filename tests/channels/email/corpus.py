"""Hostile mail, written for the tests: each entry is (name, raw bytes, expected outcome)."""

from __future__ import annotations

import base64
import os
from typing import Literal

Outcome = Literal["event", "quarantine"]
CRLF = b"\r\n"


def _mail(headers: list[str], body: bytes | str, *, raw_headers: bytes = b"") -> bytes:
    head = CRLF.join(h.encode() for h in headers)
    if raw_headers:
        head += CRLF + raw_headers
    data = body.encode() if isinstance(body, str) else body
    return head + CRLF + CRLF + data


def _base(n: int, sender: str = "hostile@example.com") -> list[str]:
    return [f"From: Sender {n} <{sender}>", "To: support@hub.example",
            f"Message-ID: <hostile-{n}@example.com>", "Date: Mon, 2 Mar 2026 10:00:00 +0100",
            "MIME-Version: 1.0"]


def big_attachment(size: int = 20 * 1024 * 1024) -> bytes:
    payload = base64.encodebytes(os.urandom(size)).replace(b"\n", CRLF)
    return _mail([*_base(20), "Subject: a big file",
            'Content-Type: multipart/mixed; boundary="b20"'],
                 b"--b20\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                 b"--b20\r\nContent-Type: application/octet-stream\r\n"
                 b'Content-Disposition: attachment; filename="big.bin"\r\n'
                 b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"\r\n--b20--\r\n")


def corpus(include_big: bool = True) -> list[tuple[str, bytes, Outcome]]:
    items: list[tuple[str, bytes, Outcome]] = [
        ("no headers at all", b"just some text\r\nand more\r\n", "quarantine"),
        ("empty", b"", "quarantine"),
        ("no From", _mail(["To: support@hub.example", "Subject: who am I"], "hi"),
         "quarantine"),
        ("two From headers", _mail(["From: a@example.com", "From: b@example.com",
                                    "Subject: x"], "hi"), "quarantine"),
        ("From with two addresses", _mail(["From: a@example.com, b@example.com",
                                           "Subject: x"], "hi"), "quarantine"),
        ("From is not an address", _mail(["From: undisclosed recipients",
                                          "Subject: x"], "hi"), "quarantine"),
        ("Reply-To only identity", _mail(["Reply-To: someone@example.com",
                                          "Subject: x"], "hi"), "quarantine"),
        ("no Message-ID, no Date, no Subject", _mail(["From: bare@example.com"], "bare"),
         "event"),
        ("unknown charset", _mail([*_base(1), "Subject: =?x-unknown?q?caf=E9?=",
                "Content-Type: text/plain; charset=x-klingon"],
                                  b"caf\xe9 \xff\xfe"), "event"),
        ("wrong charset (latin-1 declared utf-8)",
         _mail([*_base(2), "Subject: wrong", "Content-Type: text/plain; charset=utf-8"],
               b"Gr\xfc\xdfe aus K\xf6ln"), "event"),
        ("8-bit in headers", _mail([*_base(3), "Content-Type: text/plain; charset=utf-8"],
                                   "body", raw_headers="Subject: Grüße — ☃".encode()), "event"),
        ("8-bit in From name",
         b"From: J\xc3\xb6rg \xff <jorg@example.com>\r\nSubject: x\r\n\r\nhi\r\n", "event"),
        ("broken MIME boundary", _mail([*_base(4), "Subject: broken",
                'Content-Type: multipart/mixed; boundary="zz"'],
                                       "--yy\r\nContent-Type: text/plain\r\n\r\nlost part\r\n"),
         "event"),
        ("unterminated multipart", _mail([*_base(5), "Subject: open",
                'Content-Type: multipart/alternative; boundary="q"'],
                                         "--q\r\nContent-Type: text/plain\r\n\r\nopen ended"),
         "event"),
        ("nested multiparts", _mail([*_base(6), "Subject: nested",
                'Content-Type: multipart/mixed; boundary="o"'],
                                    "--o\r\nContent-Type: multipart/related; boundary=\"r\"\r\n"
                                    "\r\n--r\r\nContent-Type: multipart/alternative; "
                                    "boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n"
                                    "\r\ndeep text\r\n--a\r\nContent-Type: text/html\r\n\r\n"
                                    "<p>deep html</p>\r\n--a--\r\n--r--\r\n--o\r\n"
                                    "Content-Type: image/png\r\nContent-Disposition: inline; "
                                    "filename=\"x.png\"\r\n\r\nPNG\r\n--o--\r\n"), "event"),
        ("no text at all", _mail([*_base(7), "Subject: (empty)"], ""), "event"),
        ("only an attachment", _mail([*_base(8), "Subject: scan",
                'Content-Type: multipart/mixed; boundary="s"'],
                                     "--s\r\nContent-Type: application/pdf\r\n"
                                     "Content-Disposition: attachment; filename=\"../../etc/p.pdf\""
                                     "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                     "JVBERi0xLjQK\r\n--s--\r\n"), "event"),
        ("HTML with scripts and tracking pixel", _mail(
            [*_base(9), "Subject: <script>alert(1)</script>", "Content-Type: text/html"],
            '<html><head><style>body{background:url(http://t.example/css)}</style>'
            '<script>alert(1)</script></head><body onload="alert(2)"><p>Hello '
            '<a href="javascript:alert(3)">click</a> <a href="https://ok.example/">ok</a></p>'
            '<img src="https://track.example/pixel.gif?u=1" width="1" height="1">'
            '<img src="data:image/png;base64,AAAA"><form action="https://x"><input name="p">'
            '</form><iframe src="https://evil.example"></iframe></body></html>'), "event"),
        ("SVG with script", _mail(
            [*_base(10), "Subject: svg", "Content-Type: text/html"],
            '<p>pic</p><svg onload="alert(1)"><script>alert(2)</script><a xlink:href='
            '"javascript:alert(3)"><text>x</text></a></svg><math><mi xlink:href="javascript:'
            'alert(4)">m</mi></math>'), "event"),
        ("subject with encoded CR/LF", _mail(
            [*_base(11), "Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Eorg?="],
            "hi"), "event"),
        ("NUL bytes", _mail([*_base(12), "Subject: nul"], b"a\x00b\x00c"), "event"),
        ("out of office", _mail([*_base(13), "Subject: Out of Office: away",
                "Auto-Submitted: auto-replied"], "I am away"),
         "event"),
        ("very long header line", _mail([*_base(14), "Subject: " + "A" * 12000], "long"),
         "event"),
        ("header over the 16 KiB cap (not parsed)",
         _mail([*_base(14), "Subject: " + "A" * 50000], "long"), "quarantine"),
        ("bad base64", _mail([*_base(15), "Subject: b64", "Content-Transfer-Encoding: base64"],
                             "!!!not base64!!!"), "event"),
        ("bounce for a message we never sent", _mail(
            ["From: Mail Delivery System <MAILER-DAEMON@mx.example>", "To: support@hub.example",
             "Subject: Undelivered Mail Returned to Sender", "Message-ID: <bounce-x@mx.example>",
             'Content-Type: multipart/report; report-type=delivery-status; boundary="d"'],
            "--d\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--d\r\n"
            "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
            "Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 no such user\r\n\r\n--d\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <never-sent@elsewhere>\r\n"
            "\r\n--d--\r\n"), "quarantine"),
    ]
    if include_big:
        items.append(("20 MB attachment", big_attachment(), "event"))
    return items

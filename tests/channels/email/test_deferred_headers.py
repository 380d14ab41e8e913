"""A header in a plain form reads exactly as `policy.default` reads it, without its parse
(`channels.email.deferred_headers`); anything else is parsed as before."""

from __future__ import annotations

import base64
import copy
import random
import string
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage

import pytest

from channels.email.deferred_headers import DeferredHeader, deferred
from channels.email.read_policy import READ_POLICY

PARSE = HeaderRegistry()
NAMES = ("Content-Type", "Content-Disposition", "Message-ID", "Subject", "References")
PLAIN = [
    ("Content-Type", 'multipart/mixed; boundary="===============4426120533551797379=="'),
    ("Content-Type", 'multipart/alternative;\r\n boundary="----=_Part_12_34.1600000000000"'),
    ("Content-Type", "TEXT/Plain;charset=UTF-8;format=flowed"),
    ("Content-Type", 'application/pdf; name="factuur 12 (kopie).pdf"'),
    ("Content-Disposition", 'attachment; filename="factuur-12.pdf"; size=2048'),
    ("Content-Disposition", "inline"),
    ("Message-ID", "<CAF=a$b%c.d@mail.gmail.com>"),
    ("Subject", "Re: Vraag over bestelling 12  (dringend)"),
    ("References", "<a@example.com>\r\n <b@example.com>"),
    ("Subject", "=?utf-8?q?Vraag_over_=E2=82=AC12?="),
    ("Subject", "Re: =?UTF-8?B?w6lsw6h2ZQ==?= =?iso-8859-1?q?_caf=E9?=  over "
                "=?utf-8?q?=E2=82=AC?="),
    ("Subject", "=?utf-8?q?a?=\r\n =?utf-8?q?b?= c =?windows-1252?Q?=80?="),
]
NOT_PLAIN = [
    ("Content-Type", 'text/plain; charset="utf-8" (comment)'),
    ("Content-Type", "text/plain; charset=utf-8;"),
    ("Content-Type", 'multipart/mixed; boundary=""'),
    ("Content-Type", "multipart/mixed; boundary=a; boundary=b"),
    ("Content-Disposition", 'attachment; filename="=?utf-8?b?w6nDqS5wZGY=?="'),
    ("Content-Disposition", "attachment; filename*=utf-8''%C3%A9.pdf"),
    ("Content-Disposition", 'attachment; filename="a\\"b.pdf"'),
    ("Content-Disposition", "attachment; filename=a b.pdf"),
    ("Content-Disposition", 'attachment; filename="caf\udcc3\udca9.pdf"'),
    ("Message-ID", "<a@b> (comment)"),
    ("Subject", "tab\there"),
    ("Subject", "bestelling=?utf-8?q?=E2=82=AC?="),
    ("Subject", "=?utf-8?q?=E2=82=AC?=12"),
    ("Subject", "=?utf-8?q?=ZZ?="),
    ("Subject", "=?utf-8?q?=FF?="),
    ("Subject", "=?utf-8?b?w6nDq?="),
    ("Subject", "=?unknown-8bit?q?=E2?="),
    ("Subject", "=?no-such-charset?q?abc?="),
    ("Subject", "=?utf-8*nl?q?abc?="),
    ("Subject", "=?utf-8?x?abc?="),
    ("Subject", "=?utf-8?q?a b?="),
    ("X-Mailer", "Hub"),
]


def _as_default(name: str, value: str) -> object:
    return policy.default.header_fetch_parse(name, value)


def _generated(count: int) -> list[tuple[str, str]]:
    """Header values built from the pieces the plain forms are made of, and a few that
    break them (spaces, quotes, backslashes, `*`, `%`, `'`, `=?`, a missing `>`)."""
    rnd = random.Random(20)
    chars = string.ascii_letters + string.digits + "!#$%&'*+-.^_`{|}~=/\"; \\?"
    printable = [chr(c) for c in range(32, 127)]

    def token() -> str:
        return "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 6)))

    def space() -> str:
        return rnd.choice(["", " ", "  ", "\t", "\r\n "])

    values = []
    for _ in range(count):
        name = rnd.choice(NAMES)
        if name.startswith("Content"):
            value = token() + ("/" + token() if name == "Content-Type" else "")
            for _ in range(rnd.randint(0, 3)):
                quoted = '"' + "".join(rnd.choice(printable) for _ in range(rnd.randint(0, 8)))
                value += rnd.choice([";", ";", " ;"]) + space() + token() + \
                    rnd.choice(["=", "=", "*="]) + rnd.choice([quoted + '"', token()])
            value += rnd.choice(["", "", ";", " "])
        elif name == "Message-ID":
            value = "<" + token() + rnd.choice(["@", "@", ".", ".."]) + token() + \
                rnd.choice([">", ">", "> ", ""])
        else:
            value = "".join(rnd.choice(printable) for _ in range(rnd.randint(0, 30))) + \
                space() + "".join(rnd.choice(printable) for _ in range(rnd.randint(0, 10)))
        values.append((name, value))
    return values


def test_plain_values_are_deferred_and_read_as_policy_default_reads_them() -> None:
    for name, value in PLAIN:
        header = deferred(name, value, PARSE)
        assert isinstance(header, DeferredHeader), (name, value)
        assert str(header) == str(_as_default(name, value)), (name, value)


@pytest.mark.parametrize(("name", "value"), NOT_PLAIN)
def test_other_values_are_parsed_at_once(name: str, value: str) -> None:
    assert deferred(name, value, PARSE) is None
    header = READ_POLICY.read(name, value)
    assert not isinstance(header, DeferredHeader)
    assert str(header) == str(_as_default(name, value))


def test_generated_values_read_as_policy_default_reads_them() -> None:
    deferred_count = 0
    for name, value in _generated(4000):
        header = deferred(name, value, PARSE)
        if header is None:
            continue
        deferred_count += 1
        parsed = _as_default(name, value)
        assert str(header) == str(parsed), (name, value)
        if name.startswith("Content"):
            assert dict(header.params) == dict(parsed.params), (name, value)  # type: ignore[attr-defined]
    assert deferred_count > 500  # the generator reaches the plain forms


def _encoded_subjects(count: int) -> list[str]:
    """Subjects of plain words and encoded words (Q and B, several charsets, some broken:
    bad padding, undecodable bytes, glued to a word), spaces between them."""
    rnd = random.Random(47)
    texts = ["€12", "élève", "café", "naïve ü", "日本語", "a_b", "x?y", "=", " lead", ""]
    charsets = ["utf-8", "UTF-8", "iso-8859-1", "windows-1252", "us-ascii", "koi8-r"]
    pieces = []
    for _ in range(count):
        words = []
        for _ in range(rnd.randint(1, 5)):
            kind = rnd.random()
            if kind < 0.3:
                words.append(rnd.choice(["Re:", "bestelling", "12", "(kopie)", "a=b", "?"]))
                continue
            charset = rnd.choice(charsets)
            data = rnd.choice(texts).encode(charset, "replace")
            if rnd.random() < 0.5:
                text = "".join(chr(b) if chr(b).isalnum() and b < 128 else f"={b:02X}"
                               for b in data).replace("=20", "_")
                word = f"=?{charset}?{rnd.choice('qQ')}?{text}?="
            else:
                text = base64.b64encode(data).decode()
                if rnd.random() < 0.1:
                    text = text.rstrip("=") or "w6"
                word = f"=?{charset}?{rnd.choice('bB')}?{text}?="
            if rnd.random() < 0.05:
                word = rnd.choice(["x", word]) + word
            words.append(word)
        pieces.append("".join(word + rnd.choice([" ", " ", "  ", "\r\n "]) for word in words)
                      .rstrip(" \r\n"))
    return pieces


def test_encoded_subjects_read_as_policy_default_reads_them() -> None:
    decoded = 0
    for value in _encoded_subjects(3000):
        header = deferred("Subject", value, PARSE)
        if header is None:
            continue
        decoded += "=?" in value
        assert str(header) == str(_as_default("Subject", value)), value
        assert header.defects == ()  # type: ignore[attr-defined]
    assert decoded > 1000


def test_a_parsed_attribute_is_there_when_asked_for() -> None:
    header = READ_POLICY.read("Content-Disposition",
                              'attachment; filename="factuur-12.pdf"')
    assert isinstance(header, DeferredHeader)
    assert header.content_disposition == "attachment"
    assert header.params == {"filename": "factuur-12.pdf"}
    assert header.defects == ()
    assert header.name == "Content-Disposition"
    assert copy.copy(header) == header and copy.deepcopy(header).params == header.params


def test_messages_read_the_same_through_the_text() -> None:
    """What the parts of a message answer (type, boundary, file name, disposition) through a
    deferred header is what they answer through the parsed one."""
    for name, value in PLAIN:
        if not name.startswith("Content"):
            continue
        ours, theirs = EmailMessage(), EmailMessage()
        ours._headers = [(name, deferred(name, value, PARSE))]  # type: ignore[attr-defined]
        theirs._headers = [(name, _as_default(name, value))]  # type: ignore[attr-defined]
        for part in (ours, theirs):
            part.policy = policy.default
        assert [ours.get_content_type(), ours.get_boundary(), ours.get_filename(),
                ours.get_content_disposition(), ours.get_params(), ours.is_attachment()] == \
            [theirs.get_content_type(), theirs.get_boundary(), theirs.get_filename(),
             theirs.get_content_disposition(), theirs.get_params(), theirs.is_attachment()]

"""The fast MIME path (`wire_message`) against the `email` package's own (`build_message`):
for plain and hostile inputs alike, a mail client parses the same headers and contents."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from channels.email.mime import build_message, wire_message
from hub.errors import SendFailed
from hub.ports import OutboundMessage

FROM = "Hub News <news@shop.example>"
LONG = "word " * 40
CASES = [
    {},
    {"html": None},
    {"subject": "Uw bestelling — €25 ✓", "to": "Zoë Ünal <zoe@example.org>"},
    {"subject": "Re: hi\r\nBcc: victim@example.org\r\n"},
    {"subject": LONG, "text": LONG * 5 + "\n.\n..dots\ntrailing space \n\ttab\n"},
    {"subject": "=?utf-8?q?not_really?=", "to": '"Jansen, P." <p@example.org>'},
    {"subject": "x" * 120, "to": "Person Zero <p0@example.org>"},
    {"text": "line\r\nwith crlf\rand cr\n\u2028sep\x0bvt\n", "html": "<p>é & ü</p>" * 30},
    {"subject": "", "text": "", "reply_token": None, "headers": {}},
    {"headers": {"List-Unsubscribe": "<https://hub.example/u/" + "t" * 120 + ">",
                 "List-Id": "News <news.shop.example>", "X-Other": "dropped",
                 "Precedence": "bulk"}},
    {"headers": {"List-Unsubscribe": "<https://hub.example/u/é>"}},
    {"to": "a" * 70 + "@example.org"},  # a bare address too long for one plain line
    {"to": "first..last@example.org"},  # not a dot-atom: quoted
    {"to": "first.last+tag@sub.example.org"},
    {"reply_token": "b" * 20},  # Reply-To on the header's own line
    {"reply_token": "b" * 80},  # too long for one line: the email package folds it
    {"sender_name": "Spring Team"},
]


def outbound(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "event_id": "01JEVENT", "channel": "email", "to": "p1@bench.example",
        "subject": "News for Person1", "text": "Dear Person1,\n\nNews.\n",
        "html": "<p>Dear Person1</p>", "reply_token": "a" * 40,
        "headers": {"List-Unsubscribe": "<https://hub.example/u/x>, "
                                        "<mailto:unsubscribe@shop.example?subject=x>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}}
    return OutboundMessage(**(fields | overrides))  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    mail = message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    return mail


@pytest.mark.parametrize("overrides", CASES)
def test_the_same_message_as_the_email_package_builds(overrides: dict[str, object]) -> None:
    message = outbound(**overrides)
    wire = wire_message(message, FROM)
    assert wire is not None
    assert max(wire.data) < 128 and b"\r\n" in wire.data
    assert all(len(line) <= 998 for line in wire.data.split(b"\r\n"))
    fast, slow = parsed(wire.data), parsed(bytes(build_message(message, FROM)))
    volatile = {"date", "message-id", "content-type"}
    assert sorted(k.lower() for k in fast) == sorted(k.lower() for k in slow)
    for name in {k.lower() for k in slow} - volatile:
        assert str(fast[name]) == str(slow[name]), name
    assert fast["Date"].datetime is not None
    assert wire.message_id == str(fast["Message-ID"]).strip("<>")
    assert wire.message_id.endswith("@shop.example")
    assert wire.sender == "news@shop.example"
    assert wire.recipient == slow["To"].addresses[0].addr_spec
    assert fast.get_content_type() == slow.get_content_type()
    fast_parts = list(fast.walk())
    slow_parts = list(slow.walk())
    assert [p.get_content_type() for p in fast_parts] == [p.get_content_type()
                                                          for p in slow_parts]
    for mine, theirs in zip(fast_parts, slow_parts, strict=True):
        if not mine.is_multipart():
            assert mine.get_content() == theirs.get_content()
            assert mine["Content-Transfer-Encoding"] == "quoted-printable"
    assert fast["Bcc"] is None


def test_an_unusable_recipient_is_refused() -> None:
    with pytest.raises(SendFailed):
        wire_message(outbound(to="not an address"), FROM)


def test_a_non_ascii_address_leaves_it_to_the_email_package() -> None:
    assert wire_message(outbound(to="zoë@exämple.org"), FROM) is None


def test_quoted_printable_is_the_email_packages_for_any_text() -> None:
    import random
    from email import quoprimime

    from channels.email.mime import MAX_LINE, quoted_printable

    def theirs(content: str) -> str:
        lines = content.encode("utf-8").splitlines()
        body = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"),
                                      MAX_LINE, eol="\r\n")
        return body if body.endswith("\r\n") else body + "\r\n"

    rng = random.Random(20)
    alphabet = "ab =\n\n x.<>\"/\té\r" + "y" * 5
    cases = ["", "\n", "a", "a\n\n", "a=b", "x" * 78, "x" * 79, "x" * 76 + "=", "x" * 77 + "=",
             "end \n", ".\n..", "a\r\nb", '<a href="https://hub.example/u/t">Uit</a>\n']
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
              for _ in range(3000)]
    plain = "ab =\n x.<>\"/" + "y" * 20  # printable ASCII: long lines, `=`, trailing spaces
    cases += ["".join(rng.choice(plain) for _ in range(rng.randint(0, 400)))
              for _ in range(3000)]
    for content in cases:
        assert quoted_printable(content) == theirs(content), repr(content)

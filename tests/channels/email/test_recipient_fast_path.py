"""The recipient of an outbound mail read without the address parser when it is a bare
address: the same answer `parseaddr` gives, for plain and odd addresses alike."""

from __future__ import annotations

from email.utils import parseaddr

import pytest

from channels.email.mime import _recipient, one_line

ADDRESSES = [
    "p1@bench.example", "a.b+c@x.nl", "o'neil@x.com", "x@y", "a..b@x.com", ".a@x.com",
    "a@b.c.", "A_B@Ex-Ample.COM", "x{y}@x.nl", "a/b?c#d=e@x.nl", "Jan <j@x.nl>",
    "j@x.nl ", '"Jansen, P." <p@example.org>', "zoë@example.org", "a@b@c", "no-at-sign",
    "a b@x.nl", "a@x.nl\r\nBcc: v@x.nl", "",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_same_answer_as_the_parser(address: str) -> None:
    assert _recipient(address) == parseaddr(one_line(address, 400))

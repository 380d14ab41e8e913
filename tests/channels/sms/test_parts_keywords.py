from __future__ import annotations

import pytest

from channels.sms.keywords import HELP_REPLY, classify
from channels.sms.parts import count_segments


@pytest.mark.parametrize(("text", "encoding", "segments"), [
    ("", "GSM-7", 1), ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2), ("a" * 307, "GSM-7", 3),
    ("€" * 80, "GSM-7", 1), ("€" * 81, "GSM-7", 2),  # extension characters count twice
    ("ç" * 70, "UCS-2", 1), ("ç" * 71, "UCS-2", 2), ("😀" * 35, "UCS-2", 1),
    ("😀" * 36, "UCS-2", 2),  # astral characters are two UTF-16 units
])
def test_segments(text: str, encoding: str, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)


@pytest.mark.parametrize("text", [
    "STOP", "stop", " Stop ", "STOP.", "stopall", "Unsubscribe", "cancel", "END", "quit",
    "revoke", "optout", "afmelden", "AFMELDEN!"])
def test_opt_out_words(text: str) -> None:
    assert classify(text) == "opt_out"


@pytest.mark.parametrize("text", ["START", "yes", "Unstop", "aanmelden"])
def test_opt_in_words(text: str) -> None:
    assert classify(text) == "opt_in"


@pytest.mark.parametrize("text", ["HELP", "info", "Help?"])
def test_help_words(text: str) -> None:
    assert classify(text) == "help"


@pytest.mark.parametrize("text", [
    None, "", "  ", "please stop", "STOP IT", "stopping", "no", "hello", "9 great service"])
def test_other_texts_are_ordinary_messages(text: str | None) -> None:
    assert classify(text) is None


def test_help_reply_fits_one_segment() -> None:
    assert count_segments(HELP_REPLY).segments == 1

"""SMS keywords (DESIGN §10): a message that is exactly one of these words, in any case and
with surrounding spaces or punctuation, changes SMS consent or asks for help."""

from __future__ import annotations

import string
from typing import Literal

Keyword = Literal["opt_out", "opt_in", "help"]

OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "AFMELDEN"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP", "AANMELDEN", "JA"})
"""YES and JA also confirm a consent given on a form (double opt-in)."""
HELP_WORDS = frozenset({"HELP", "INFO"})

HELP_REPLY = (
    "Reply STOP to stop receiving texts, START to receive them again. "
    "Antwoord AFMELDEN om af te melden, AANMELDEN om weer aan te melden."
)

_STRIP = string.whitespace + string.punctuation


def classify(text: str | None) -> Keyword | None:
    """The keyword a single-word message is, or None (longer texts are ordinary messages)."""
    if not text:
        return None
    word = text.strip(_STRIP).upper()
    if not word or any(c.isspace() for c in word):
        return None
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if word in OPT_IN_WORDS:
        return "opt_in"
    if word in HELP_WORDS:
        return "help"
    return None

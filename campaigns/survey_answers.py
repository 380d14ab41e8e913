"""Reading a score out of a customer's reply (issue 7): `9`, `9 great service`, `10!`,
`nine`, `negen, prima`, `8/10`. Only a reply that *starts* with a score on the survey's scale
counts; anything else stays an ordinary inbound message and is not counted."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
    "nul": 0, "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10,
}
AMBIGUOUS_WORDS = frozenset({"een"})
"""Dutch `een` is also the article "a": `een` alone is a 1, `een goede service` is no score."""

_LEAD = re.compile(
    r"^\s*(?:(?P<digits>\d{1,2})(?![\d.,]\d)|(?P<word>[^\W\d_]+))"  # 9 | nine
    r"(?:\s*/\s*(?:10|5)(?!\d))?"  # 8/10
    r"(?P<sep>\s*[!.,:;)\-\u2013\u2014]+|\s+|$)"  # then punctuation, a space or the end
    r"(?P<rest>.*)$", re.DOTALL)
_QUOTE_START = re.compile(
    r"^(>|-- ?$|_{5,}|-{5,}|(On|Op|Le|Am) .*(wrote|schreef|a écrit|schrieb)\s*:?$|"
    r"(From|Van|Sent|Verzonden):)", re.IGNORECASE)
MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    score: int
    comment: str | None


def parse_score(text: str | None, scale: tuple[int, int]) -> ParsedAnswer | None:
    """The score that `text` starts with, on `scale` (inclusive), and the rest as comment."""
    if not text:
        return None
    found = _LEAD.match(text.strip())
    if found is None:
        return None
    rest = found["rest"].strip()
    if found["digits"] is not None:
        score = int(found["digits"])
    else:
        word = found["word"].lower()
        if word not in NUMBER_WORDS:
            return None
        if word in AMBIGUOUS_WORDS and rest and not found["sep"].strip():
            return None
        score = NUMBER_WORDS[word]
    if not scale[0] <= score <= scale[1]:
        return None
    comment = re.sub(r"^[\s!.,:;\-\u2013\u2014]+", "", rest).strip()
    return ParsedAnswer(score, comment[:MAX_COMMENT] or None)


def parse_email_answer(text: str | None, scale: tuple[int, int]) -> ParsedAnswer | None:
    """An email reply whose first line starts with a score; the comment is the rest of that
    line and the lines after it, up to the quoted original."""
    if not text:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    first = parse_score(lines[0], scale)
    if first is None:
        return None
    kept: list[str] = [first.comment] if first.comment else []
    for line in lines[1:]:
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line.rstrip())
    comment = "\n".join(kept).strip()
    return ParsedAnswer(first.score, comment[:MAX_COMMENT] or None)

"""Reading a score from a reply: what counts, and what stays an ordinary message."""

from __future__ import annotations

import pytest

from campaigns.survey_answers import ParsedAnswer, parse_email_answer, parse_score

NPS = (0, 10)
CSAT = (1, 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("9", ParsedAnswer(9, None)),
    ("9 great service", ParsedAnswer(9, "great service")),
    ("10!", ParsedAnswer(10, None)),
    ("nine", ParsedAnswer(9, None)),
    ("Negen, prima geholpen", ParsedAnswer(9, "prima geholpen")),
    ("tien!!! super", ParsedAnswer(10, "super")),
    ("8/10 quick", ParsedAnswer(8, "quick")),
    ("  7 - ok ", ParsedAnswer(7, "ok")),
    ("0", ParsedAnswer(0, None)),
    ("een", ParsedAnswer(1, None)),
])
def test_scores_that_count(text: str, expected: ParsedAnswer) -> None:
    assert parse_score(text, NPS) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "11", "-1", "9.5", "5,5", "9great", "I'd give you a 9", "2024 was a good year",
    "een goede service",  # Dutch "a good service", not a 1
    "STOP", "yes", "what do you mean?", "twelve",
])
def test_garbage_is_not_a_score(text: str) -> None:
    assert parse_score(text, NPS) is None


def test_csat_scale_is_enforced() -> None:
    assert parse_score("5 top", CSAT) == ParsedAnswer(5, "top")
    assert parse_score("0", CSAT) is None and parse_score("6", CSAT) is None


def test_email_first_line_and_comment_up_to_the_quote() -> None:
    text = "\n\n8 mostly fine\nbut delivery was slow\n\nOn Mon, 1 Jan 2026, Hub wrote:\n> 0-10?"
    assert parse_email_answer(text, NPS) == ParsedAnswer(8, "mostly fine\nbut delivery was slow")
    assert parse_email_answer("Thanks!\n9", NPS) is None  # the score must open the reply
    assert parse_email_answer("> 9\nquoted only", NPS) is None
    assert parse_email_answer(None, NPS) is None

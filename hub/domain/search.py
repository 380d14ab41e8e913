"""What staff search reads, derived from a record: folded texts, name keys for one-typo
matching, trigrams and reversed phone digits. Pure functions; both store backends index what
these return and the search service folds its query the same way, so they always agree.

- Folding: Unicode NFKD without combining marks, case-folded, runs of white space as one
  space (`Émile  ZOLA` → `emile zola`).
- One typo: two words are "similar" when one edit (insert, delete, substitute, or swap two
  neighbours) turns one into the other. Found without scanning names by the deletion
  neighbourhood (SymSpell): a name word is indexed under itself and each form with one letter
  removed; a query word looks up its own such forms; any two words within one edit share a
  form, and `within_one_edit` weeds out the few that share one but are two edits apart.
- Phone suffix: the E.164 digits reversed, so "ends with 6562" is the prefix range
  `"2656" <= key < "2657"` on an ordinary index.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

PartyKind = Literal["person", "organisation", "household"]
PARTY_KINDS: tuple[PartyKind, ...] = ("person", "organisation", "household")

MIN_KEYED_WORD = 3
"""Name words shorter than this are not keyed (`de`, `van` typed wrong is still `de`)."""
MIN_TYPO_WORD = 4
"""Query words shorter than this must match as typed: one edit in three letters is noise."""
MIN_SUFFIX_DIGITS = 3
"""Fewer trailing digits would match a tenth or more of all numbers."""

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-cased without accents, white space collapsed: how search compares text."""
    if text.isascii():  # nothing to decompose (the common case, kept cheap for imports)
        return _SPACES.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold()).strip()


def words(text: str) -> list[str]:
    """The folded words (letters and digits) of `text`, in order."""
    return _WORD.findall(fold(text))


def compact_postcode(postcode: str | None) -> str:
    """`1234 ab` → `1234ab`: a postcode folded, without spaces."""
    return "".join(fold(postcode or "").split())


def deletions(word: str) -> set[str]:
    """`word` and every form of it with one character removed."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def name_keys(name: str) -> list[str]:
    """What a name is indexed under for one-typo matching, sorted, each once."""
    keys: set[str] = set()
    for word in words(name):
        if len(word) >= MIN_KEYED_WORD:
            keys |= deletions(word)
    return sorted(keys)


def within_one_edit(a: str, b: str) -> bool:
    """At most one insert, delete, substitution or swap of neighbours apart."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1:]


def trigrams(text: str) -> set[str]:
    """Every run of three characters of folded `text` (none when it is shorter)."""
    return {text[i:i + 3] for i in range(len(text) - 2)}


def reversed_digits(e164: str) -> str:
    """`+31643056562` → `26565034613`: the key a phone suffix search ranges over."""
    return "".join(c for c in e164 if c.isdigit())[::-1]


def suffix_range(digits: str) -> tuple[str, str]:
    """The half-open key range [low, high) of numbers ending in `digits`."""
    low = digits[::-1]
    return low, low[:-1] + chr(ord(low[-1]) + 1)


def name_matches(query_words: list[str], name: str) -> bool:
    """Whether every query word is in the folded name as typed (anywhere in it) or is within
    one edit of one of its words (query words of MIN_TYPO_WORD letters or more)."""
    folded = fold(name)
    name_words = _WORD.findall(folded)
    for word in query_words:
        if word in folded:
            continue
        if len(word) >= MIN_TYPO_WORD and any(within_one_edit(word, w) for w in name_words):
            continue
        return False
    return True

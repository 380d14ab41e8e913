"""Finding text a person would read in a page template that is not marked for translation.

A template is split into Jinja constructs (`{{ }}`, `{% %}`, `{# #}`) and raw text; the raw
text is walked as HTML (tags, attributes, `<script>`/`<style>` skipped). Reported:
- raw text between tags with a letter in it, outside `{% trans %}…{% endtrans %}`;
- a readable attribute (`placeholder`, `title`, `aria-label`, `alt`) with a raw letter;
- a string literal inside a construct that reads as words (capital letter, space or
  parenthesis, e.g. `{{ name or "(no name)" }}`), unless it is the argument of `_()`,
  `gettext()` or `ngettext()`, or looks like a path, a CSS class or an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONSTRUCT = re.compile(r"\{\{.*?\}\}|\{%-?\s*.*?%\}|\{#.*?#\}", re.DOTALL)
TRANS_OPEN = re.compile(r"\{%-?\s*trans\b")
TRANS_CLOSE = re.compile(r"\{%-?\s*endtrans\b")
READABLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
PATH = re.compile(r"[\s/\x00]*/[\w/.\x00 -]*")  # `{{ public_url }}/f/{{ slug }}`
LETTER = re.compile(r"[^\W\d_]")
STRING = re.compile(r"""(?P<call>\b(?:_|gettext|ngettext)\(\s*)?"""
                    r"""(?P<q>["'])(?P<s>(?:(?!(?P=q)).)*)(?P=q)""", re.DOTALL)
# Words that are the same in every language (text without a letter is never reported).
IGNORED_TEXT = {"Hub", "UTC"}


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    text: str
    kind: str  # "text", "attribute" or "literal"
    start: int = 0  # the raw text's span in the source (without surrounding blanks)
    end: int = 0
    mixed: bool = False  # the text runs around a construct (`{{ }}`, `{% %}`)


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _readable_literal(text: str) -> bool:
    stripped = text.strip()
    if not LETTER.search(stripped) or stripped in IGNORED_TEXT:
        return False
    if re.fullmatch(r"[\w./#:?=&%{}-]*", stripped) and (
            "/" in stripped or "." in stripped or stripped.islower() or "_" in stripped):
        return False  # a path, a template name, a class, an identifier or a code
    return bool(re.search(r"[A-Z\s()]", stripped))


def _literals(construct: str) -> list[str]:
    if construct.startswith("{#"):
        return []
    found = []
    for match in STRING.finditer(construct):
        if match["call"]:
            continue
        if _readable_literal(match["s"]):
            found.append(match["s"])
    return found


def scan(source: str) -> list[Finding]:
    findings: list[Finding] = []
    # Blank out translated blocks and comments first (their text is marked or invisible).
    masked = list(source)

    def blank(start: int, end: int) -> None:
        for index in range(start, end):
            if masked[index] != "\n":
                masked[index] = " "

    position = 0
    while (opened := TRANS_OPEN.search(source, position)) is not None:
        closed = TRANS_CLOSE.search(source, opened.end())
        end = source.index("%}", closed.end()) + 2 if closed else len(source)
        blank(opened.start(), end)
        position = end
    text = "".join(masked)

    # Constructs: check their literals, then replace them by a marker that is not a letter.
    pieces: list[tuple[int, str, bool]] = []  # (offset, text, is_construct)
    last = 0
    for match in CONSTRUCT.finditer(text):
        if match.start() > last:
            pieces.append((last, text[last:match.start()], False))
        for literal in _literals(match.group()):
            findings.append(Finding(_line(source, match.start()), literal, "literal",
                                    match.start(), match.end()))
        pieces.append((match.start(), match.group(), True))
        last = match.end()
    pieces.append((last, text[last:], False))

    # Walk the raw text as HTML.
    state = "text"  # text / tag / quote / raw (inside script or style)
    quote = ""
    buffer: list[tuple[int | None, str]] = []
    attribute = ""
    tag = ""

    def flush(kind: str = "text") -> None:
        raw = "".join(" " if at is None else ch for at, ch in buffer)
        words = re.sub(r"&[a-z]+;|&#\d+;|[\w-]+=\"[^\"]*\"", " ", raw).strip()
        if LETTER.search(words) and words not in IGNORED_TEXT and not PATH.fullmatch(words):
            kept = [at for at, ch in buffer if not ch.isspace()]
            mixed = any(at is None for at in kept)
            spots = [at for at in kept if at is not None]
            findings.append(Finding(_line(source, spots[0]), " ".join(words.split()), kind,
                                    spots[0], spots[-1] + 1, mixed))
        buffer.clear()

    for offset, chunk, is_construct in pieces:
        if is_construct:
            if state == "text":
                buffer.append((None, "\x00"))
            continue
        for index, ch in enumerate(chunk):
            at = offset + index
            if state == "raw":
                if source.startswith(f"</{tag}", at):
                    state, tag = "tag", "/" + tag
                continue
            if state == "text":
                if ch == "<":
                    flush()
                    state, tag, attribute = "tag", "", ""
                    name = re.match(r"<(/?[a-zA-Z0-9!-]*)", text[at:at + 20])
                    tag = name.group(1).lower() if name else ""
                else:
                    buffer.append((at, ch))
            elif state == "tag":
                if ch in "\"'":
                    state, quote = "quote", ch
                    name = re.search(r"([\w-]+)\s*=\s*$", text[max(0, at - 40):at])
                    attribute = name.group(1).lower() if name else ""
                elif ch == ">":
                    state = "raw" if tag in ("script", "style") else "text"
            elif state == "quote":
                if ch == quote:
                    if attribute in READABLE_ATTRIBUTES:
                        flush("attribute")
                    buffer.clear()
                    state = "tag"
                elif attribute in READABLE_ATTRIBUTES:
                    buffer.append((at, ch))
    if state == "text":
        flush()
    return findings

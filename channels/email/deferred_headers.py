"""Headers whose text `policy.default` would give back unchanged (or in a fixed normal form),
read without running its header parser, which is deferred until an attribute is asked for.

The stdlib's header parser takes 30-150 µs for one short header (a multipart Content-Type
with its boundary, an attachment's Content-Disposition, a Message-ID, a Subject), and these
differ from message to message, so no cache helps. Yet every reader of them in the inbound
path reads the text only: `Message.get_content_type`, `get_param`, `get_boundary`,
`get_filename` and `get_content_disposition` split the header's `str`, and so do our Subject,
Message-ID and References readers. For values in the plain forms below (printable ASCII, no
encoded word but whole ones in an unstructured header, no quoted-pair, no RFC 2231 section,
no repeated parameter) that text is known without parsing: an unstructured header's or a
Message-ID's is the value itself, a MIME parameter header's is its type followed by
`; name="value"` for each parameter, quoted. An unstructured header (a Subject) may also hold
RFC 2047 encoded words, each a whole space-separated word that decodes without a defect: its
text is then the words decoded with the stdlib's own decoder, the spaces between two encoded
words left out (a non-ASCII Subject took some 30 µs to parse). A `DeferredHeader` is that
text; asking it for anything else (`params`, `defects`, `fold`, ...) parses the value then,
once, with the same header factory. Values in any other form are parsed at once, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email import _encoded_words  # type: ignore[attr-defined]  # policy.default uses it; no stub
from typing import Any

_TOKEN = r"[A-Za-z0-9!#$%&'+.^_`{|}~-]+"
"""An RFC 2045 token, less `*` (RFC 2231 sections)."""
_ATTRIBUTE = r"[A-Za-z0-9!#$&+.^_`{|}~-]+"
"""A parameter name: a token less `'` and `%` (RFC 2231's attribute-char)."""
_PARAMETER = re.compile(rf'[ \t]*({_ATTRIBUTE})=(?:({_ATTRIBUTE})|"([ !#-\[\]-~]+)")(;)?')
"""`name=token` or `name="quoted"` (printable ASCII, no quote, no backslash), then `;` when
another parameter follows."""
_CONTENT_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}")
_DISPOSITION = re.compile(_TOKEN)
_PRINTABLE = re.compile(r"[ -~]*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_MESSAGE_ID = re.compile(rf"<{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*>")
_LINE_BREAK = re.compile(r"\n|\r")
"""What `policy.default` takes out of a value before parsing it (unfolding)."""
_WORD_OR_SPACES = re.compile(r" +|[^ ]+")
_ENCODED_WORD = re.compile(r"=\?[A-Za-z0-9!#$%&'+^_`{|}~.-]+\?[QqBb]\?([!->@-~]+)\?=")
"""`=?charset?Q|B?text?=`: no language (`*`), no `?` nor space in the text."""
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")

UNSTRUCTURED = frozenset({"subject", "references", "in-reply-to", "comments"})
"""Unstructured headers (`UnstructuredHeader` in the stdlib's registry) that inbound mail
reads as text."""


class DeferredHeader(str):
    """A header's text as `policy.default` gives it; its full parse happens when an attribute
    of the parsed header is first asked for."""

    _source: tuple[str, str]
    _parse: Callable[[str, str], Any]

    def __new__(cls, text: str, name: str, value: str,
                parse: Callable[[str, str], Any]) -> DeferredHeader:
        header = super().__new__(cls, text)
        header._source, header._parse = (name, value), parse
        return header

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") or attribute in ("_source", "_parse", "_parsed"):
            raise AttributeError(attribute)
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            parsed = self.__dict__["_parsed"] = self._parse(*self._source)
        return getattr(parsed, attribute)

    def __reduce__(self) -> tuple[Any, ...]:
        return (DeferredHeader, (str(self), *self._source, self._parse))


def deferred(name: str, value: str, parse: Callable[[str, str], Any]) -> DeferredHeader | None:
    """The header `parse(name, value)` would give, deferred; None when `value` is not in a
    plain form (it must then be parsed). `value` is as stored (folded)."""
    unfolded = "".join(_LINE_BREAK.split(value)) if "\n" in value or "\r" in value else value
    if not unfolded.isascii():
        return None
    key = name.lower()
    text: str | None
    if key in UNSTRUCTURED:
        text = _unstructured(unfolded) if _PRINTABLE.fullmatch(unfolded) else None
    elif "=?" in unfolded:
        return None
    elif key == "message-id":
        text = unfolded if _MESSAGE_ID.fullmatch(unfolded) else None
    elif key == "content-type":
        text = _parameterised(_CONTENT_TYPE, unfolded)
    elif key == "content-disposition":
        text = _parameterised(_DISPOSITION, unfolded)
    else:
        text = None
    return None if text is None else DeferredHeader(text, name, unfolded, parse)


def _unstructured(value: str) -> str | None:
    """A printable ASCII unstructured value as `get_unstructured` decodes it, or None when an
    encoded word in it is not a whole word or does not decode cleanly."""
    if "=?" not in value:
        return value
    parts: list[str] = []
    encoded: list[bool] = []  # per part: an encoded word
    for found in _WORD_OR_SPACES.finditer(value):
        piece = found.group()
        if "=?" not in piece:
            parts.append(piece)
            encoded.append(False)
            continue
        word = _decoded_word(piece)
        if word is None:
            return None
        if len(parts) >= 2 and encoded[-2] and parts[-1].startswith(" "):
            parts[-1] = ""  # the parser drops the space between two encoded words
        parts.append(word)
        encoded.append(True)
    return "".join(parts)


def _decoded_word(word: str) -> str | None:
    """The text of one whole encoded word, or None unless the stdlib's header parser reads it
    as one and decodes it without a defect."""
    found = _ENCODED_WORD.fullmatch(word)
    if found is None:
        return None
    text = found.group(1)
    if text.startswith("=") and _HEX_PAIR.match(text, 1) is None:
        return None  # the parser ends the word at this `?=`: not an encoded word to it
    try:
        decoded, _, _, defects = _encoded_words.decode(word)
    except (ValueError, KeyError):
        return None
    return None if defects or _SURROGATE.search(decoded) else decoded


def _parameterised(kind: re.Pattern[str], value: str) -> str | None:
    """`kind; name="value"; ...` as `ParameterizedMIMEHeader` writes it, or None."""
    head, semicolon, rest = value.partition(";")
    if kind.fullmatch(head) is None:
        return None
    if not semicolon:
        return head
    parts = [head]
    names: set[str] = set()
    position, more = 0, True
    while more:
        found = _PARAMETER.match(rest, position)
        if found is None:
            return None
        parameter, token, quoted, separator = found.groups()
        if parameter in names:
            return None  # a repeated parameter: the parser keeps the first, with a defect
        names.add(parameter)
        parts.append(f'{parameter}="{quoted if token is None else token}"')
        position, more = found.end(), separator is not None
    return "; ".join(parts) if position == len(rest) else None

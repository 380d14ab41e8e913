"""A message made where the reader is not known yet (a service raising an error, a skip
reason): `Text` reads as English, as before (logs, the API without `Accept-Language`), and
keeps its msgid and named placeholders so a page translates it for whoever looks
(`localise`). Mark the msgid with `N_` where it is written:

    raise InvalidInput(N_("no campaign %(id)s"), params={"id": campaign_id})

A value among the placeholders may itself be a `Text` (a field's label, another error): it is
translated too; any other value (what someone typed) is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

Params = Mapping[str, object]


class Text(str):
    """A `str` (the English text, placeholders filled) that remembers how it was made."""

    msgid: str
    params: Params

    def __new__(cls, msgid: str, params: Params | None = None) -> Text:
        values = dict(params or {})
        made = super().__new__(cls, msgid % values if values else msgid)
        made.msgid = msgid
        made.params = values
        return made

    def __reduce__(self) -> tuple[object, ...]:
        return (Text, (self.msgid, dict(self.params)))


def localise(text: object, gettext: Callable[[str], str]) -> str:
    """`text` in the language `gettext` translates to: a `Text` by its msgid with its
    placeholders (themselves localised); another string when the catalogue knows it (a
    msgid marked with `N_` where it was written), else as it is. A translation whose
    placeholders do not fit (the catalogue tests prevent that) falls back to English."""
    if isinstance(text, Text):
        values = {name: localise(value, gettext) if isinstance(value, Text) else value
                  for name, value in text.params.items()}
        translated = gettext(text.msgid)
        if not values:
            return translated
        try:
            return translated % values
        except (KeyError, ValueError, TypeError):
            return str(text)
    if isinstance(text, str):
        return gettext(text) if text else text
    return "" if text is None else str(text)


def joined(parts: Sequence[str], separator: str = "; ") -> Text:
    """`parts` joined by `separator` as one `Text`: each part is translated on its own."""
    names = [f"part{index}" for index in range(len(parts))]
    msgid = separator.replace("%", "%%").join(f"%({name})s" for name in names)
    return Text(msgid, dict(zip(names, parts, strict=True)))


def reread(text: str, msgids: Iterable[str], separator: str = "; ") -> Text | str:
    """A text that was stored in English (a delivery's reason) as a `Text` again, when each
    of its parts (split at `separator`) is one of `msgids` with its placeholders filled in;
    a part that matches none stays as it is. So an old English record still reads in the
    viewer's language wherever its words are known."""
    patterns = _patterns(tuple(msgids))
    parts: list[str] = []
    for part in text.split(separator):
        for msgid, pattern in patterns:
            found = pattern.fullmatch(part)
            if found is not None:  # its values were made by Hub too: translated when known
                parts.append(Text(msgid, {name: Text(value) for name, value
                                          in found.groupdict().items()}))
                break
        else:
            parts.append(part)
    return joined(parts, separator) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=16)
def _patterns(msgids: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    made = []
    for msgid in msgids:
        pieces = re.split(r"%\((\w+)\)s", msgid)
        regex = "".join(re.escape(piece.replace("%%", "%")) if index % 2 == 0
                        else f"(?P<{piece}>.+?)" for index, piece in enumerate(pieces))
        made.append((msgid, re.compile(regex, re.DOTALL)))
    return made

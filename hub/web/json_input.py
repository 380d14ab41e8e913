"""JSON from outside (request bodies, query parameters): one parser for every route.

`json.loads` answers nesting deeper than the interpreter's recursion limit with a
`RecursionError`, which is not a `ValueError`, so a body like `[[[[...]]]]` escaped every
caller's `except ValueError` and became a 500 with a logged traceback. Here it is bad input
like any other malformed JSON."""

from __future__ import annotations

import json
from typing import Any


class JsonTooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__("the JSON is nested too deeply")


def parse_json(raw: str | bytes | bytearray) -> Any:
    """The parsed value; `ValueError` (or `UnicodeDecodeError`) for anything that is not
    acceptable JSON, including `JsonTooDeep` for nesting the parser cannot follow."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise JsonTooDeep() from None

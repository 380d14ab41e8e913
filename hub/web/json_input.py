"""JSON from outside (request bodies, query parameters): one parser for every route.

`json.loads` answers nesting deeper than the interpreter's recursion limit with a
`RecursionError`, which is not a `ValueError`, so a body like `[[[[...]]]]` escaped every
caller's `except ValueError` and became a 500 with a logged traceback. Here it is bad input
like any other malformed JSON."""

from __future__ import annotations

import json
from typing import Any

from hub.errors import InvalidInput


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


def parse_string_map(raw: str | None, field: str, example: str,
                     details: dict[str, Any] | None = None) -> dict[str, str]:
    """A query parameter holding a JSON object of strings (a column mapping); InvalidInput
    naming `field`, with `example`, for anything else."""
    if raw is None:
        return {}
    try:
        value = parse_json(raw)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a JSON object", details={"field": field}) from exc
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput(f"{field} must be a JSON object of strings, e.g. {example}",
                           details={"field": field, **(details or {})})
    return value

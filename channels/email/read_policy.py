"""The `email` policy inbound mail is parsed with: `policy.default`, with each header parsed
once per message.

`policy.default` parses a header's value every time it is read, and the parser itself, our
reading of the parts and the bounce and complaint checks read a part's Content-Type some ten
times over; the stdlib's `HeaderRegistry` also builds a new class (`type(...)`) for every
read. Here a message's parsed headers are kept with the message (a header object is an
immutable `str`), and each header class is built once per process. What is parsed, and how,
is exactly `policy.default`'s.
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy
from typing import Any


class OnceBuiltRegistry(HeaderRegistry):
    """`HeaderRegistry` that builds the class for a header name once, not once per read."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = super().__getitem__(name)
        return built


class ReadOncePolicy(EmailPolicy):
    """`policy.default`, remembering each header it parsed for one message (`for_message`)."""

    parsed_headers: dict[tuple[str, str], Any] | None = None

    def header_fetch_parse(self, name: str, value: str) -> Any:
        memo = self.parsed_headers
        if memo is None or hasattr(value, "name"):
            return super().header_fetch_parse(name, value)
        key = (name, value)
        header = memo.get(key)
        if header is None:
            header = memo[key] = super().header_fetch_parse(name, value)
        return header

    def for_message(self) -> ReadOncePolicy:
        """A copy with its own memory of parsed headers, for one message's tree."""
        memo: dict[tuple[str, str], Any] = {}
        fresh: ReadOncePolicy = self.clone(parsed_headers=memo)  # type: ignore[call-arg]
        return fresh  # (typeshed lists the stdlib's attributes; clone takes any of the class's)


READ_POLICY = ReadOncePolicy(header_factory=OnceBuiltRegistry())
"""Clone per message with `for_message()`: the memory lives as long as that message."""

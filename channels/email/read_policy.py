"""The `email` policy inbound mail is parsed with: `policy.default`, with each header parsed
once per message, and the headers that recur from message to message parsed once per process.

`policy.default` parses a header's value every time it is read, and the parser itself, our
reading of the parts and the bounce and complaint checks read a part's Content-Type some ten
times over; the stdlib's `HeaderRegistry` also builds a new class (`type(...)`) for every
read. Here a message's parsed headers are kept with the message (a header object is an
immutable `str`), and each header class is built once per process.

Address and MIME headers recur across messages: mail arrives To the same few addresses of
ours, a customer writes From the same address again, and `Content-Type: text/plain;
charset="utf-8"` heads most parts. The address parser takes some 0.2 ms for one `From`, as
long as the bare parse of a small message, so those headers (`SHARED_HEADERS`, short values
only) are kept in a bounded process-wide cache keyed by name and exact value: the same text
parses to the same (immutable) header, so sharing it changes nothing read from it. Headers
that differ per message (Subject, Date, Message-ID, References) stay per message. What is
parsed, and how, is exactly `policy.default`'s; a header in a plain form (most Subjects,
Message-IDs, multipart boundaries, attachment names) has its parse deferred until something
other than its text is read (`deferred_headers`).
"""

from __future__ import annotations

import functools
from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy
from typing import Any

from channels.email.deferred_headers import deferred

SHARED_HEADERS = frozenset({
    "from", "sender", "reply-to", "to", "cc", "delivered-to", "x-original-to", "envelope-to",
    "mime-version", "content-type", "content-transfer-encoding", "content-disposition"})
"""Headers whose parsed form is kept across messages (their values recur)."""
MAX_SHARED_VALUE = 512
"""Longer values (a long Cc list) are parsed per message: the cache stays small."""
SHARED_CACHE_SIZE = 4096
"""Parsed headers kept across messages (least recently used go first): at most some 2 MB."""


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
            if len(value) <= MAX_SHARED_VALUE and name.lower() in SHARED_HEADERS:
                header = _parsed_for_all(name, value)
            else:
                header = self.read(name, value)
            memo[key] = header
        return header

    def read(self, name: str, value: str) -> Any:
        """The header `policy.default` parses from `value`, its parse deferred when the text
        is known without it (`deferred_headers`)."""
        header = deferred(name, value, self.header_factory)
        return super().header_fetch_parse(name, value) if header is None else header

    def for_message(self) -> ReadOncePolicy:
        """A copy with its own memory of parsed headers, for one message's tree."""
        memo: dict[tuple[str, str], Any] = {}
        fresh: ReadOncePolicy = self.clone(parsed_headers=memo)  # type: ignore[call-arg]
        return fresh  # (typeshed lists the stdlib's attributes; clone takes any of the class's)


READ_POLICY = ReadOncePolicy(header_factory=OnceBuiltRegistry())
"""Clone per message with `for_message()`: the memory lives as long as that message."""


@functools.lru_cache(maxsize=SHARED_CACHE_SIZE)
def _parsed_for_all(name: str, value: str) -> Any:
    """A `SHARED_HEADERS` header as `policy.default` parses it (thread-safe: the IMAP poller
    and the MTA route parse in worker threads)."""
    return READ_POLICY.read(name, value)

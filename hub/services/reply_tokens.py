"""Reply tokens: `reply+TOKEN@domain` carries the outbound event id, signed so that nobody can
thread mail into another person's conversation by guessing ids."""

from __future__ import annotations

import hashlib
import hmac
import re

TOKEN = re.compile(r"^([0-9a-f]{24})\.([0-9a-f]{16})$")


class ReplyTokens:
    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"reply-token:" + secret_key.encode()).digest()

    def _signature(self, event_id: str) -> str:
        return hmac.new(self._key, event_id.encode(), hashlib.sha256).hexdigest()[:16]

    def make(self, event_id: str) -> str:
        return f"{event_id}.{self._signature(event_id)}"

    def event_id(self, token: str) -> str | None:
        """The event a token names, or None when it is malformed or its signature is wrong."""
        match = TOKEN.match(token.strip().lower())
        if match is None:
            return None
        event_id, signature = match.groups()
        return event_id if hmac.compare_digest(signature, self._signature(event_id)) else None

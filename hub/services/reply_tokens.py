"""Signed event ids: a token names one event and carries an HMAC of it, so nobody can reach
another person's event by guessing ids. Reply tokens (`reply+TOKEN@domain`) thread mail into
its conversation; consent tokens (`/c/TOKEN`) confirm a pending consent."""

from __future__ import annotations

import hashlib
import hmac
import re


class SignedEventIds:
    purpose: bytes = b""
    signature_hex = 16

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(self.purpose + secret_key.encode()).digest()
        self._pattern = re.compile(rf"^([0-9a-f]{{24}})\.([0-9a-f]{{{self.signature_hex}}})$")

    def _signature(self, event_id: str) -> str:
        return hmac.digest(self._key, event_id.encode(), "sha256").hex()[:self.signature_hex]

    def make(self, event_id: str) -> str:
        return f"{event_id}.{self._signature(event_id)}"

    def event_id(self, token: str) -> str | None:
        """The event a token names, or None when it is malformed or its signature is wrong."""
        match = self._pattern.match(token.strip().lower())
        if match is None:
            return None
        event_id, signature = match.groups()
        return event_id if hmac.compare_digest(signature, self._signature(event_id)) else None


class ReplyTokens(SignedEventIds):
    purpose = b"reply-token:"
    signature_hex = 16  # short: it travels in an email address


class ConsentTokens(SignedEventIds):
    purpose = b"consent-confirmation:"
    signature_hex = 32

"""Staff sessions: a signed cookie (HMAC-SHA256 with HUB_SECRET_KEY) holding the user id, an
expiry and a random nonce; the CSRF token is derived from the nonce, so it changes with every
login. The user record is read on every request: a disabled or deleted user is out at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "hub_session"
LOGIN_SECONDS = 12 * 3600
ANONYMOUS_SECONDS = 2 * 3600
MAX_COOKIE_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Session:
    user_id: str  # "" before login: the login form still needs a CSRF token
    expires: int
    nonce: str

    @property
    def logged_in(self) -> bool:
        return bool(self.user_id)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"hub-ui-session\0" + secret_key.encode()).digest()

    def _mac(self, purpose: str, payload: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\0{payload}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def new(self, user_id: str = "", *, seconds: int | None = None) -> Session:
        lifetime = seconds or (LOGIN_SECONDS if user_id else ANONYMOUS_SECONDS)
        return Session(user_id=user_id, expires=int(time.time()) + lifetime,
                       nonce=secrets.token_urlsafe(18))

    def encode(self, session: Session) -> str:
        payload = _b64(json.dumps([session.user_id, session.expires, session.nonce]).encode())
        return f"{payload}.{self._mac('session', payload)}"

    def decode(self, value: str | None) -> Session | None:
        """The session in a cookie value, or None when absent, forged, malformed or expired."""
        if not value or len(value) > MAX_COOKIE_LENGTH or "." not in value:
            return None
        payload, _, mac = value.partition(".")
        if not hmac.compare_digest(mac, self._mac("session", payload)):
            return None
        try:
            user_id, expires, nonce = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if not (isinstance(user_id, str) and isinstance(expires, int) and isinstance(nonce, str)):
            return None
        if expires < time.time():
            return None
        return Session(user_id=user_id, expires=expires, nonce=nonce)

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", session.nonce)

    def csrf_matches(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))

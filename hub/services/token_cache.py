"""API tokens the store found valid, trusted for at most a second before it is asked again.

Every API request presents a bearer token; asking the store each time was a database round
trip per request (on SQLite a hop to the connection's thread), often the dearest part of a
small read. This cache answers from memory instead, within a bound:

- revoked through this process (`StaffService.revoke_token`, the admin page): immediately.
  The revocation drops the token's entries and bumps a generation number, and a lookup that
  was already asking the store when the revocation ran does not cache its (stale) answer;
- revoked, or its role changed, by another process (a second web process, the CLI, a direct
  write to the store): within TOKEN_TRUST_SECONDS, counted from the moment the lookup that
  cached it started asking the store (never from when the answer came back);
- a token that is unknown or already revoked is never cached: each attempt asks the store.

Tokens have no expiry time (`ApiToken`); one with an `expires_at` would need that checked on
every hit as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.domain.staff import ApiToken

TOKEN_TRUST_SECONDS = 1.0
"""The longest a token revoked by another process keeps working here."""
MAX_TOKENS = 1024
"""Entries kept; past it the oldest goes (deployments hold a handful of tokens)."""


class TokenCache:
    def __init__(self, *, trust_seconds: float = TOKEN_TRUST_SECONDS,
                 clock: Callable[[], float] = time.monotonic, size: int = MAX_TOKENS) -> None:
        if not 0 <= trust_seconds <= TOKEN_TRUST_SECONDS:
            raise ValueError(f"a token is trusted for at most {TOKEN_TRUST_SECONDS} s")
        self._trust = trust_seconds
        self._clock = clock
        self._size = size
        self._found: dict[str, tuple[float, ApiToken]] = {}  # by token hash
        self._generation = 0

    def now(self) -> float:
        return self._clock()

    @property
    def generation(self) -> int:
        """Bumped by every revocation here: a lookup started before one is not cached."""
        return self._generation

    def get(self, token_hash: str) -> ApiToken | None:
        """The valid token with this hash, when the store said so less than the trust
        period ago."""
        entry = self._found.get(token_hash)
        if entry is None:
            return None
        asked_at, token = entry
        if self._clock() - asked_at >= self._trust:
            del self._found[token_hash]
            return None
        return token

    def put(self, token_hash: str, token: ApiToken, *, asked_at: float, generation: int) -> None:
        """Remember a token the store found valid in a lookup that started at `asked_at`
        (`now()`) in `generation`; ignored when a revocation ran since."""
        if generation != self._generation or token.revoked_at is not None:
            return
        self._found.pop(token_hash, None)
        if len(self._found) >= self._size:
            del self._found[next(iter(self._found))]
        self._found[token_hash] = (asked_at, token)

    def forget(self, token_id: str) -> None:
        """A token was revoked (or changed) here: drop it and void lookups under way."""
        self._generation += 1
        for token_hash in [h for h, (_, t) in self._found.items() if t.id == token_id]:
            del self._found[token_hash]

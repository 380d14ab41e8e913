"""A per-client token bucket, in process memory, with a bounded number of clients tracked.

Each client may post `burst` times at once and then once every `per_s / rate` seconds. The
table forgets the least recently seen client beyond `max_clients`, so a flood of addresses
cannot grow memory without bound. Several web processes each keep their own table.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class ClientBuckets:
    """One token bucket per client address (form posts); not the campaign send-rate spacer."""

    def __init__(
        self, *, burst: int = 10, per_minute: float = 10.0, max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a rate limit needs burst >= 1 and per_minute > 0")
        self._burst = float(burst)
        self._refill_per_s = per_minute / 60.0
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, client: str) -> bool:
        """Take one token for `client`; False when it has none left."""
        now = self._clock()
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(tokens=self._burst, at=now)
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._refill_per_s)
            bucket.at = now
        self._buckets[client] = bucket  # most recently seen last
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def retry_after_s(self, client: str) -> int:
        """Whole seconds until `client` has a token again (at least 1)."""
        bucket = self._buckets.get(client)
        missing = 1.0 - (bucket.tokens if bucket else self._burst)
        return max(1, int(missing / self._refill_per_s + 0.999))

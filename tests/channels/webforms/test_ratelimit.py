"""The per-client rate limit: a burst, then one post per interval, per client."""

from __future__ import annotations

from channels.webforms import ClientBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill() -> None:
    clock = Clock()
    limiter = ClientBuckets(burst=3, per_minute=6, clock=clock)
    assert [limiter.allow("1.2.3.4") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.retry_after_s("1.2.3.4") == 10
    assert limiter.allow("5.6.7.8")  # another client is not affected
    clock.now += 10
    assert limiter.allow("1.2.3.4")
    assert not limiter.allow("1.2.3.4")


def test_memory_is_bounded() -> None:
    limiter = ClientBuckets(burst=1, per_minute=1, max_clients=100, clock=Clock())
    for n in range(1000):
        limiter.allow(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter._buckets) == 100

"""A campaign's status read before each hand-over: sends asking at once share one store read,
and no send gets an answer read before it asked (a pause confirmed to staff is seen)."""

from __future__ import annotations

import asyncio

import pytest

from campaigns.engine.fresh_status import FreshStatus
from hub.errors import StoreUnavailable


class Store:
    """The campaign's status, with every read counted; a read takes a while."""

    def __init__(self) -> None:
        self.status = "running"
        self.reads = 0
        self.began = asyncio.Event()

    async def read(self, campaign_id: str) -> str:
        self.reads += 1
        seen = self.status  # what the read sees is fixed when it begins
        self.began.set()
        await asyncio.sleep(0.02)
        return seen


async def test_sends_asking_at_once_share_one_read() -> None:
    store = Store()
    fresh = FreshStatus(store.read)
    answers = await asyncio.gather(*(fresh.status("c1") for _ in range(8)))
    assert answers == ["running"] * 8
    assert store.reads == 1


async def test_a_send_asking_during_a_read_waits_for_the_next_one() -> None:
    store = Store()
    fresh = FreshStatus(store.read)
    first = asyncio.create_task(fresh.status("c1"))
    await store.began.wait()  # the first read has seen `running`
    store.status = "paused"  # staff pause, confirmed after that read began
    later = await asyncio.gather(*(fresh.status("c1") for _ in range(3)))
    assert await first == "running"
    assert later == ["paused"] * 3  # never the answer of the read begun before they asked
    assert store.reads == 2


async def test_campaigns_are_read_apart_and_failures_reach_every_caller() -> None:
    async def failing(campaign_id: str) -> str:
        if campaign_id == "broken":
            raise StoreUnavailable("the store is down")
        return "running"

    fresh = FreshStatus(failing)
    results = await asyncio.gather(fresh.status("broken"), fresh.status("broken"),
                                   fresh.status("c1"), return_exceptions=True)
    assert [type(r) for r in results[:2]] == [StoreUnavailable, StoreUnavailable]
    assert results[2] == "running"
    with pytest.raises(StoreUnavailable):
        await fresh.status("broken")  # nothing kept: the next caller reads again

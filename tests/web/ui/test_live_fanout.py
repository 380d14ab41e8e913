"""The fan-out of change notices to open live connections, and the inbox marker it drives:
who is woken by what, and when the marker is read (no store: the reads are counted)."""

from __future__ import annotations

import asyncio

from hub.live_changes import LiveChange
from hub.web.ui.live import SharedStamp
from hub.web.ui.live_fanout import INBOX, LiveFanOut, person_topic


class Marker:
    """The store's marker, as `ServiceDesk.stamp` reads it; `during_read` runs mid-read."""

    def __init__(self) -> None:
        self.value = "v1"
        self.during_read: list[LiveFanOut] = []

    async def read(self) -> str:
        value = self.value
        for fanout in self.during_read:  # a conversation changes while the read is under way
            self.value = "v2"
            fanout.changed(LiveChange("conversations"))
        self.during_read = []
        await asyncio.sleep(0)
        return value


async def test_following_reads_the_marker_only_after_a_conversation_changed() -> None:
    marker = Marker()
    stamp = SharedStamp(marker.read, max_age=0.0)  # by age it would read on every get
    fanout = LiveFanOut(stamp)
    fanout.opened()
    assert [await stamp.get() for _ in range(5)] == ["v1"] * 5 and stamp.reads == 1
    fanout.changed(LiveChange("events", "ann"))
    await stamp.get()
    assert stamp.reads == 1
    marker.during_read = [fanout]  # told mid-read: the value read may predate the change
    fanout.changed(LiveChange("conversations"))
    assert await stamp.get() == "v1"
    assert await stamp.get() == "v2" and stamp.reads == 3
    fanout.lost()  # polling again: read by age
    await stamp.get()
    await stamp.get()
    assert stamp.reads == 5


async def test_a_change_wakes_the_connections_it_concerns() -> None:
    fanout = LiveFanOut(SharedStamp(Marker().read, max_age=1.0))
    with fanout.waiter(INBOX) as inbox, fanout.waiter(person_topic("ann")) as ann, \
            fanout.waiter(person_topic("bob")) as bob:
        assert inbox.take() and ann.take() and bob.take()  # each reads once on connecting
        fanout.opened()  # and again when the stream (re)opens: it may have missed something
        assert inbox.take() and ann.take() and bob.take()
        fanout.changed(LiveChange("events", "ann"))
        assert (inbox.take(), ann.take(), bob.take()) == (False, True, False)
        fanout.changed(LiveChange("conversations"))
        assert (inbox.take(), ann.take(), bob.take()) == (True, False, False)
        fanout.changed(LiveChange("events", None))  # whose is not known: every timeline
        assert (inbox.take(), ann.take(), bob.take()) == (False, True, True)
        woken = asyncio.create_task(ann.wait(30))
        await asyncio.sleep(0)
        fanout.changed(LiveChange("events", "ann"))
        await asyncio.wait_for(woken, 1)

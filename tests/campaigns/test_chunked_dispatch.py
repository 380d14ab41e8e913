"""A campaign without a rate is sent by chunks (a chunk's starts in one store write, with
the ends gathered so far; `Worker.work_on`): through the real email adapter to an aiosmtpd
server that answers slowly, each person gets the message once, the writes go by chunk, and
a pause still stops every send within a second and loses nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from campaigns.engine.dispatch import Worker
from campaigns.engine.lifecycle import CampaignService
from hub.config import load_settings
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id
from hub.domain.parties import Person
from hub.ports import DeliveryRepo, SendEnd, SendStart, Store
from hub.services.outbound import RetryPolicy
from hub.store import create_store
from hub.wiring import assemble, build_adapters, build_worker, dispatch_config
from tests.channels.email.servers import SmtpSink, free_port


@dataclass
class SlowSink(SmtpSink):
    """Takes `delay_s` to accept each message, as a busy relay does."""

    delay_s: float = 0.0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.delay_s)
        return await super().handle_DATA(server, session, envelope)


class CountedDeliveries:
    """The store's deliveries, counting the sends each write starts or ends."""

    def __init__(self, inner: DeliveryRepo) -> None:
        self._inner = inner
        self.writes: Counter[str] = Counter()
        self.chunks: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def start_send(self, *args: Any, **kwargs: Any) -> bool:
        self.writes["start_send"] += 1
        return await self._inner.start_send(*args, **kwargs)

    async def start_send_many(self, starts: Sequence[SendStart], *, owner: str) -> list[bool]:
        self.writes["start_send_many"] += 1
        self.chunks.append(len(starts))
        return await self._inner.start_send_many(starts, owner=owner)

    async def finish_send_many(self, ends: Sequence[SendEnd], *, owner: str) -> list[bool]:
        self.writes["finish_send_many"] += 1
        return await self._inner.finish_send_many(ends, owner=owner)

    async def record_sends(self, ends: Sequence[SendEnd], starts: Sequence[SendStart], *,
                           owner: str) -> tuple[list[bool], list[bool]]:
        self.writes["record_sends"] += 1
        self.chunks.append(len(starts))
        return await self._inner.record_sends(ends, starts, owner=owner)


@dataclass
class Rig:
    store: Store
    sink: SlowSink
    worker: Worker
    campaigns: CampaignService

    async def launch(self, n: int) -> Campaign:
        for i in range(n):
            await self.store.persons.insert(Person(id=new_id(), name=f"P{i}",
                                                   emails=[f"p{i}@x.example"]))
        template = MessageTemplate(id=new_id(), name="News", channel="email",
                                   subject="News for {{ person.first_name }}",
                                   body="Dear {{ person.name }}")
        await self.store.templates.insert(template)
        campaign = await self.campaigns.create(Campaign(
            id=new_id(), name="Spring", filter={"field": "name", "op": "exists", "value": True},
            channels=["email"], templates={"email": template.id}))
        return await self.campaigns.launch(campaign.id)

    def received(self) -> Counter[str]:
        return Counter(to for _, tos, _ in self.sink.envelopes for to in tos)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    sink, port = SlowSink(delay_s=0.02), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_SECRET_KEY": "k" * 32, "HUB_EMAIL_FROM": "news@shop.example",
        "HUB_SMTP_URL": f"smtp://127.0.0.1:{port}"}, dotenv=None)
    store = await create_store(settings)
    adapters = build_adapters(settings)
    components = assemble(store, settings, adapters, retry=RetryPolicy(delays_s=(0.01,)))
    worker = build_worker(components, dataclasses.replace(
        dispatch_config(settings), poll_s=0.05, concurrency=8, chunk=24))
    try:
        yield Rig(store, sink, worker, CampaignService(store))
    finally:
        for adapter in adapters.values():
            await adapter.close()
        await store.close()
        controller.stop()


async def until(check: Any, within_s: float = 30) -> None:
    for _ in range(int(within_s / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time")


async def test_each_person_once_with_the_writes_by_chunk(rig: Rig) -> None:
    n = 120
    counted = CountedDeliveries(rig.store.deliveries)
    rig.store.deliveries = cast(DeliveryRepo, counted)
    campaign = await rig.launch(n)
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker.run(stop))
    try:
        async def completed() -> bool:
            found = await rig.store.campaigns.get(campaign.id)
            return found is not None and found.status == "completed"
        await until(completed)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert len(rig.received()) == n and set(rig.received().values()) == {1}
    counts = await rig.store.deliveries.counts(campaign.id)
    assert counts.by_status == {"sent": n}
    assert counted.writes["start_send"] == 0 and sum(counted.chunks) == n
    assert max(counted.chunks) == 24  # the worker's chunk, three times its concurrency
    assert counted.writes["start_send_many"] == 0  # the chunk's start takes the ends along
    assert counted.writes["record_sends"] <= n // 24 + 3  # a short chunk per batch at most
    assert counted.writes["finish_send_many"] <= n // 24 + 3


async def test_a_pause_stops_sending_within_a_second_and_loses_nothing(rig: Rig) -> None:
    n = 300  # some 2 s of sends to the slow relay over the adapter's connections
    campaign = await rig.launch(n)
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker.run(stop))
    try:
        async def under_way() -> bool:
            return len(rig.sink.envelopes) >= 30
        await until(under_way)
        await rig.campaigns.pause(campaign.id)
        await asyncio.sleep(1.0)
        after_a_second = len(rig.sink.envelopes)
        await asyncio.sleep(1.0)
        assert len(rig.sink.envelopes) == after_a_second < n, "still sending after a second"
        counts = await rig.store.deliveries.counts(campaign.id)
        assert counts.get("leased") == counts.get("sending") == 0, counts.by_status
        assert counts.get("sent") == after_a_second
        assert counts.get("queued") == n - after_a_second
        await rig.campaigns.resume(campaign.id)

        async def completed() -> bool:
            found = await rig.store.campaigns.get(campaign.id)
            return found is not None and found.status == "completed"
        await until(completed)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert len(rig.received()) == n and set(rig.received().values()) == {1}

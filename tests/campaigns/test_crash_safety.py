"""Worker processes killed with SIGKILL mid-campaign, and two workers sharing one SQLite
store, sending to a real aiosmtpd server: no person ever gets the campaign twice, nothing is
lost. A delivery whose send outcome is unknown after a kill (handed to SMTP, not recorded)
is reconciled to `unknown`, never resent: such a person holds at most one message."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

from campaigns.engine.lifecycle import CampaignService
from hub.config import load_settings
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.parties import Person
from hub.ports import Store
from hub.store import create_store
from tests.channels.email.servers import SmtpSink, free_port
from tests.support.worker_process import kill_mid_work, stop
from tests.support.worker_process import start_worker as start_process


async def prepare(url: str, var: Path, n: int, *,
                  rate_per_minute: int | None = None) -> tuple[Store, str]:
    settings = load_settings({"HUB_DATABASE_URL": url, "HUB_VAR_DIR": str(var),
                              "HUB_SECRET_KEY": "k" * 32}, dotenv=None)
    store = await create_store(settings)
    for i in range(n):
        await store.persons.insert(Person(
            id=new_id(), name=f"Person {i}", emails=[f"p{i}@example.org"],
            consent={"email": ConsentState(status="opted_in" if i % 10 else "opted_out")}))
    template = MessageTemplate(id=new_id(), name="t", channel="email",
                               subject="Hello {{ person.first_name }}",
                               body="Dear {{ person.name }}")
    await store.templates.insert(template)
    service = CampaignService(store)
    campaign = await service.create(Campaign(
        id=new_id(), name="crash", filter={"field": "email", "op": "exists", "value": True},
        channels=["email"], templates={"email": template.id},
        rate_per_minute=rate_per_minute))
    await service.launch(campaign.id)
    return store, campaign.id


def start_worker(url: str, port: int, var: Path) -> subprocess.Popen[bytes]:
    return start_process("dispatch", url, port, var)


async def wait_completed(store: Store, campaign_id: str, within_s: float = 40) -> None:
    for _ in range(int(within_s / 0.1)):
        campaign = await store.campaigns.get(campaign_id)
        if campaign is not None and campaign.status == "completed":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"campaign not completed: {await store.deliveries.counts(campaign_id)}")


async def check(store: Store, campaign_id: str, sink: SmtpSink, n: int) -> Counter[str]:
    received = Counter(to for _, tos, _ in sink.envelopes for to in tos)
    assert not [a for a, k in received.items() if k > 1], "a person got the campaign twice"
    counts = await store.deliveries.counts(campaign_id)
    eligible = n - n // 10
    assert counts.get("skipped") == n // 10
    assert counts.get("sent") + counts.get("unknown") == eligible, counts
    after: str | None = None
    while True:
        persons = await store.persons.find(limit=200, after_id=after)
        if not persons:
            break
        after = persons[-1].id
        for person in persons:
            delivery = await store.deliveries.for_person(campaign_id, person.id)
            assert delivery is not None
            got = received[person.emails[0]]
            if delivery.status == "sent":
                assert got == 1, (person.emails[0], delivery)
            elif delivery.status == "skipped":
                assert got == 0
            else:
                assert delivery.status == "unknown" and got <= 1
    return received


async def test_sigkilled_workers_send_nothing_twice(tmp_path: Path) -> None:
    n = 300
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"sqlite:///{tmp_path}/hub.db"
    store, campaign_id = await prepare(url, tmp_path / "var", n)
    try:
        kills = await kill_mid_work("dispatch", url, port, tmp_path / "var", rounds=5, seed=6,
                                    alive_s=(0.6, 1.4))
        final = start_worker(url, port, tmp_path / "var")
        try:
            await wait_completed(store, campaign_id)
        finally:
            stop(final)
        received = await check(store, campaign_id, sink, n)
        counts = await store.deliveries.counts(campaign_id)
        assert kills >= 3 and sum(received.values()) >= counts.get("sent")
    finally:
        controller.stop()
        await store.close()


async def test_two_workers_share_a_campaign(tmp_path: Path) -> None:
    n = 200
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"sqlite:///{tmp_path}/hub.db"
    store, campaign_id = await prepare(url, tmp_path / "var", n)
    workers = [start_worker(url, port, tmp_path / "var") for _ in range(2)]
    try:
        await wait_completed(store, campaign_id)
        received = await check(store, campaign_id, sink, n)
        counts = await store.deliveries.counts(campaign_id)
        assert counts.get("unknown") == 0 and sum(received.values()) == n - n // 10
    finally:
        for worker in workers:
            stop(worker)
        controller.stop()
        await store.close()

"""A real `hub serve --role worker` process killed with SIGKILL while it is posting outgoing
webhooks, the receiver down while it restarts, then up again: the receiver (which checks
every signature with the Standard Webhooks reference library and the spec's own
verification) ends up with every event exactly once after dropping repeats by
`webhook-id`, and the repeats really happened (at least once, never lost)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from hub.config import load_settings
from hub.domain.common import new_id
from hub.ports import Store
from hub.services.webhook_emit import Emitter
from hub.services.webhooks import WebhookService
from hub.store import create_store
from tests.support.webhook_receiver import Receiver
from tests.test_cli import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 2


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
            "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_LOG_LEVEL": "WARNING",
            "HUB_WEBHOOKS_LEASE_SECONDS": str(LEASE_S), "PYTHONPATH": str(ROOT)}


class Workers:
    """`hub serve --role worker` processes; whatever is still running is killed at the end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def launch(self) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--role", "worker"], cwd=ROOT,
            env={**self.env, "HUB_LISTEN": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started.append(process)
        return process, f"http://127.0.0.1:{port}"

    async def start(self) -> subprocess.Popen[bytes]:
        process, base = self.launch()
        async with aiohttp.ClientSession() as http:
            for _ in range(4):  # a busy machine can take a while to start Python
                with contextlib.suppress(pytest.fail.Exception):
                    await wait_healthy(http, base)
                    return process
        raise AssertionError(f"the worker did not start (exit code {process.poll()})")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.fixture
def workers(env: dict[str, str]) -> Iterator[Workers]:
    started = Workers(env)
    yield started
    started.stop_all()


async def until(check: Callable[[], bool | Awaitable[bool]], what: str,
                within_s: float = 60) -> None:
    for _ in range(int(within_s / 0.05)):
        outcome = check()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def states(store: Store, subscription_id: str) -> Counter[str]:
    log = await store.webhooks.deliveries(subscription_id, limit=10_000)
    return Counter(d.state for d in log)


async def emit_people(store: Store, n: int) -> list[str]:
    """`person.created` events, as the web role writes them (one outbox row each)."""
    emitter = Emitter(store.webhooks)
    keys = []
    for _ in range(n):
        person_id = new_id()
        await emitter.emit("person.created", {"person_id": person_id}, key=person_id,
                           person_ids=[person_id])
        keys.append(f"person.created:{person_id}")
    return keys


async def test_sigkill_mid_delivery_and_an_outage_lose_nothing_and_double_nothing(
        env: dict[str, str], workers: Workers,
        aiohttp_server: Callable[..., Awaitable[TestServer]]) -> None:
    receiver = Receiver()
    server = await aiohttp_server(receiver.app())
    store = await create_store(load_settings(env, dotenv=None))
    try:
        subscription = await WebhookService(store, allow_private=False).create(
            str(server.make_url("/hook")), ["person.*"])
        receiver.secret = subscription.secret
        emitted = await emit_people(store, 150)

        receiver.hold_after = 40  # from then on posts arrive, and their answers never leave
        first = await workers.start()
        await until(lambda: receiver.held >= 3, "posts in flight")
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        log = await store.webhooks.deliveries(subscription.id, limit=10_000)
        unrecorded = {d.id for d in log if d.state == "delivering"} & set(receiver.seen)
        assert unrecorded, "the kill came after every post it made was recorded"
        receiver.hold_after, receiver.mode = None, "fail"  # down while Hub comes back
        emitted += await emit_people(store, 50)  # events keep coming meanwhile
        failures_before = len(receiver.requests)

        await workers.start()
        await until(lambda: len(receiver.requests) > failures_before,
                    "an attempt during the outage")
        receiver.mode = "ok"

        async def all_delivered() -> bool:
            return (await states(store, subscription.id)) == Counter({"delivered": 200})

        await until(all_delivered, "every delivery delivered", within_s=90)
    finally:
        await store.close()

    assert receiver.bad_signatures == 0
    events = Counter(body["id"] for body in receiver.seen.values())
    assert sorted(events) == sorted(emitted)  # every event, after dropping repeats …
    assert set(events.values()) == {1}  # … once: one webhook-id per event
    posted = Counter(headers["webhook-id"] for headers, _ in receiver.requests)
    assert {i for i, n in posted.items() if n > 1} >= unrecorded  # sent again after the kill

"""IMAP ingestion from a real Dovecot: exactly once across restarts, crashes and drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from channels.email.config import parse_imap_url
from channels.email.imap import ImapPoller
from channels.email.ingest import EmailIngest, IngestResult
from hub.config import Settings, load_settings
from hub.domain.events import TimelineQuery
from hub.errors import Transient
from hub.ports import Store
from hub.services import Services
from hub.store import create_store
from hub.wiring import assemble
from tests.channels.email.corpus import corpus
from tests.channels.email.servers import Dovecot

SENDER = "klant@example.com"


def mail(n: int, sender: str = SENDER) -> bytes:
    return (f"From: Klaas <{sender}>\r\nTo: support@hub.example\r\n"
            f"Subject: vraag {n}\r\nMessage-ID: <q{n}@example.com>\r\n\r\nVraag nummer {n}\r\n"
            ).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_SECRET_KEY": "k" * 32},
                         dotenv=None)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    store = await create_store(settings)
    yield assemble(store, settings, {}).services
    await store.close()


def poller(dovecot: Dovecot, services: Services, ingest: EmailIngest | None = None,
           batch: int = 100) -> ImapPoller:
    return ImapPoller(parse_imap_url(dovecot.url), ingest or EmailIngest(services.inbox),
                      services.store, poll_seconds=0.1, batch=batch)


async def subjects(store: Store, sender: str = SENDER) -> list[str]:
    identity = await store.identities.get("email", sender)
    if identity is None:
        return []
    events = await store.events.timeline(TimelineQuery(person_ids=[identity.person_id]),
                                         limit=500)
    return sorted(e.subject or "" for e in events)


async def test_exactly_once_across_a_restart(dovecot: Dovecot, services: Services) -> None:
    await asyncio.to_thread(dovecot.deliver, *(mail(n) for n in range(3)))
    first = poller(dovecot, services)
    assert await first.poll_once() == 3
    assert await first.poll_once() == 0
    await first.close()
    await asyncio.to_thread(dovecot.deliver, mail(3), mail(4))
    second = poller(dovecot, services)  # a restarted hub: state comes from the store
    assert await second.poll_once() == 2
    assert await second.poll_once() == 0
    await second.close()
    assert await subjects(services.store) == [f"vraag {n}" for n in range(5)]
    assert await asyncio.to_thread(dovecot.seen_count) == 5  # marked only after storing


class CrashAfter(EmailIngest):
    """Stores the message, then dies the way a killed process would (before any bookkeeping
    of the poller). Named plainly: a fault injector around the real ingest path."""

    def __init__(self, inner: EmailIngest, after: int, fault: Any) -> None:
        self._inner, self._left, self._fault = inner, after, fault

    async def ingest(self, raw: bytes, *, source: str,
                     quarantine_id: str | None = None) -> IngestResult:
        result = await self._inner.ingest(raw, source=source, quarantine_id=quarantine_id)
        self._left -= 1
        if self._left == 0:
            self._fault()
        return result


async def test_a_crash_mid_batch_neither_loses_nor_duplicates(
    dovecot: Dovecot, services: Services
) -> None:
    await asyncio.to_thread(dovecot.deliver, *(mail(n) for n in range(6)))

    def die() -> None:
        raise asyncio.CancelledError  # the hub is stopped mid-batch

    crashing = poller(dovecot, services, CrashAfter(EmailIngest(services.inbox), 3, die))
    with pytest.raises(asyncio.CancelledError):
        await crashing.poll_once()
    await crashing.close()
    assert len(await subjects(services.store)) == 3
    restarted = poller(dovecot, services)
    assert await restarted.poll_once() == 4  # message 3 again (deduped) and 4, 5, 6
    await restarted.close()
    assert await subjects(services.store) == [f"vraag {n}" for n in range(6)]


async def test_a_server_drop_mid_batch_loses_nothing(
    dovecot: Dovecot, services: Services
) -> None:
    await asyncio.to_thread(dovecot.deliver, *(mail(n) for n in range(6)))
    running = poller(dovecot, services, CrashAfter(EmailIngest(services.inbox), 2, dovecot.kick))
    with pytest.raises(Transient):
        await running.poll_once()  # the server closed the connection under us
    await running.poll_once()  # reconnects and carries on where it stopped
    await running.close()
    assert await subjects(services.store) == [f"vraag {n}" for n in range(6)]
    assert await asyncio.to_thread(dovecot.seen_count) == 6


async def test_a_uidvalidity_change_rescans_without_duplicates(
    dovecot: Dovecot, services: Services
) -> None:
    await asyncio.to_thread(dovecot.deliver, mail(0), mail(1))
    first = poller(dovecot, services)
    await first.poll_once()
    state = await services.store.channel_state.get(first.key)
    assert state is not None
    await services.store.channel_state.put(first.key, {**state, "uidvalidity": 1})
    await asyncio.to_thread(dovecot.deliver, mail(2))
    assert await first.poll_once() == 3  # all read again ...
    await first.close()
    assert await subjects(services.store) == ["vraag 0", "vraag 1", "vraag 2"]  # ... once


async def test_the_hostile_corpus_through_the_poller(
    dovecot: Dovecot, services: Services
) -> None:
    items = [(name, raw, expected) for name, raw, expected in corpus(include_big=False) if raw]
    await asyncio.to_thread(dovecot.deliver, *(raw for _, raw, _ in items))
    running = poller(dovecot, services, batch=10)
    handled = 0
    while (n := await running.poll_once()) > 0:
        handled += n
    assert handled == len(items)
    held = await services.store.quarantine.find(limit=100)
    assert len(held) == sum(1 for *_, expected in items if expected == "quarantine")
    assert {e.source for e in held} == {"imap:INBOX"}
    # a re-read of the whole mailbox (state lost) quarantines nothing twice
    state = await services.store.channel_state.get(running.key)
    assert state is not None
    await services.store.channel_state.put(running.key, {**state, "uidvalidity": 7})
    reread = 0
    while (n := await running.poll_once()) > 0:
        reread += n
    await running.close()
    assert reread == len(items)
    assert len(await services.store.quarantine.find(limit=100)) == len(held)


async def test_the_poller_records_its_last_error_for_the_status_page(
        services: Services) -> None:
    from channels.email.imap import STATUS_KEY

    secret = "imap-secret-771"
    refused = ImapPoller(parse_imap_url(f"imap://reader:{secret}@127.0.0.1:1/INBOX"),
                         EmailIngest(services.inbox), services.store, poll_seconds=0.05)
    task = asyncio.create_task(refused.run())
    try:
        for _ in range(100):
            state = await services.store.channel_state.get(STATUS_KEY)
            if state and state.get("last_error_at"):
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert state and "127.0.0.1" in state["last_error"] and secret not in state["last_error"]
    assert "last_success_at" not in state
    await refused.note_status(error=None)
    state = await services.store.channel_state.get(STATUS_KEY)
    assert state and state["last_success_at"] and state["last_error_at"]

"""The background work of `hub serve` (roles `all` and `worker`), one `cleanup_ctx` each:
campaign dispatch, triggered surveys, IMAP polling. Each runs on the components the app
built once (`hub.wiring`), so it shares the app's adapters and outbound path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiohttp import web

from hub.errors import HubError
from hub.web.keys import COMPONENTS, DISPATCH, RUN_WORKERS, SETTINGS
from hub.wiring import build_worker

log = logging.getLogger("hub.background")
TRIGGER_POLL_S = 15.0
STOP_WAIT_S = 10.0


async def _until_stopped(name: str, loop: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
                         ) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop), name=name)
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, STOP_WAIT_S)


async def campaign_dispatch(app: web.Application) -> AsyncIterator[None]:
    if not app[RUN_WORKERS]:
        yield
        return
    worker = build_worker(app[COMPONENTS], app.get(DISPATCH))
    async for _ in _until_stopped("campaign-dispatch", worker.run):
        yield


async def survey_triggers(app: web.Application) -> AsyncIterator[None]:
    """Send due triggered surveys every TRIGGER_POLL_S seconds (sooner while there is work)."""
    if not app[RUN_WORKERS]:
        yield
        return
    triggers = app[COMPONENTS].surveys.triggers

    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await triggers.run_due()
            except HubError as exc:
                log.warning("trigger pass failed", extra={"error": exc.code})
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), TRIGGER_POLL_S)

    async for _ in _until_stopped("survey-triggers", loop):
        yield


async def email_poller(app: web.Application) -> AsyncIterator[None]:
    """Poll HUB_IMAP_URL when it is set."""
    settings = app[SETTINGS]
    if not settings.imap_url or not app[RUN_WORKERS]:
        yield
        return
    from channels.email.config import parse_imap_url
    from channels.email.imap import ImapPoller
    from channels.email.ingest import EmailIngest

    services = app[COMPONENTS].services
    poller = ImapPoller(
        parse_imap_url(settings.imap_url),
        EmailIngest(services.inbox, attachment_limit=settings.email_attachment_limit),
        services.store, poll_seconds=settings.imap_poll_seconds)
    task = asyncio.create_task(poller.run(), name="imap-poller")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await poller.close()


async def webhook_delivery(app: web.Application) -> AsyncIterator[None]:
    """Fan out emitted events and post them to the webhook subscriptions."""
    if not app[RUN_WORKERS]:
        yield
        return
    from hub.services.webhooks import WebhookWorker
    from hub.web.webhook_poster import AiohttpPoster

    poster = AiohttpPoster(allow_private=app[SETTINGS].webhooks_allow_private)
    worker = WebhookWorker(app[COMPONENTS].services.store, poster)
    async for _ in _until_stopped("webhook-delivery", worker.run):
        yield
    await poster.close()

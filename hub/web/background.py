"""The background work of `hub serve`, one `cleanup_ctx` each: campaign dispatch, triggered
surveys, IMAP polling, journeys, webhook delivery (roles `all` and `worker`) and contact
imports (every role serving HTTP). Each runs on the components the app
built once (`hub.wiring`), so it shares the app's adapters and outbound path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web

from hub.errors import HubError
from hub.services.import_jobs import ImportJobs
from hub.web.keys import (
    COMPONENTS,
    DISPATCH,
    IMPORT_JOBS,
    JOURNEY_ENGINE,
    RUN_WORKERS,
    SERVICES,
    SETTINGS,
    STORE,
)
from hub.wiring import build_journey_engine, build_worker

log = logging.getLogger("hub.background")
TRIGGER_POLL_S = 15.0
JOURNEY_SCHEDULE_S = 3600.0
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


async def journey_worker(app: web.Application) -> AsyncIterator[None]:
    """Advance due journey enrolments (campaigns/journeys/engine.py)."""
    if not app[RUN_WORKERS]:
        yield
        return
    engine = build_journey_engine(app[COMPONENTS], app.get(JOURNEY_ENGINE))
    async for _ in _until_stopped("journey-worker", engine.run):
        yield


async def journey_schedule(app: web.Application) -> AsyncIterator[None]:
    """The date and segment-sweep triggers of journeys, every JOURNEY_SCHEDULE_S seconds
    (a person's entry key makes a repeated pass enrol nobody twice)."""
    if not app[RUN_WORKERS]:
        yield
        return
    journeys = app[COMPONENTS].journeys.service

    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await journeys.run_schedule()
            except HubError as exc:
                log.warning("journey schedule failed", extra={"error": exc.code})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), JOURNEY_SCHEDULE_S)

    async for _ in _until_stopped("journey-schedule", loop):
        yield


async def webhook_delivery(app: web.Application) -> AsyncIterator[None]:
    """Fan out emitted events and post them to the webhook subscriptions."""
    if not app[RUN_WORKERS]:
        yield
        return
    from hub.services.webhooks import WebhookWorker
    from hub.web.webhook_poster import AiohttpPoster

    poster = AiohttpPoster(allow_private=app[SETTINGS].webhooks_allow_private)
    worker = WebhookWorker(app[COMPONENTS].services.store, poster,
                           lease=timedelta(seconds=app[SETTINGS].webhooks_lease_seconds),
                           outbox_retention=timedelta(
                               days=app[SETTINGS].webhooks_outbox_retention_days),
                           log_retention=timedelta(
                               days=app[SETTINGS].webhooks_log_retention_days))
    async for _ in _until_stopped("webhook-delivery", worker.run):
        yield
    await poster.close()


async def import_jobs(app: web.Application) -> AsyncIterator[None]:
    """Contact imports started by the page or the API run in this process (any role that
    serves HTTP); an interrupted one is resumed from the page."""
    jobs = ImportJobs(app[SERVICES].contact_import, app[SETTINGS].var_dir / "imports",
                      app[STORE])
    app[IMPORT_JOBS] = jobs
    yield
    await jobs.close()

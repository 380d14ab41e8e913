"""Background jobs of `hub serve` (roles `all` and `worker`), each one `cleanup_ctx`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from hub.web.keys import SERVICES, SETTINGS

RUN_WORKERS = web.AppKey("run_workers", bool)
"""False for `hub serve --role web`: serve HTTP only, leave polling to the worker process."""


async def email_poller(app: web.Application) -> AsyncIterator[None]:
    """Poll HUB_IMAP_URL in the background when it is set."""
    settings = app[SETTINGS]
    if not settings.imap_url or not app.get(RUN_WORKERS, True):
        yield
        return
    from channels.email.config import parse_imap_url
    from channels.email.imap import ImapPoller
    from channels.email.ingest import EmailIngest

    services = app[SERVICES]
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

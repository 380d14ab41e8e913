"""Survey and analytics wiring for the app: the services (as `SURVEYS`), the hooks that read
survey answers from inbound SMS/email and fire triggers on logged calls, the `/s/{token}`
pages, and (roles `all` and `worker`) the loop that sends due triggered surveys."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from campaigns.analytics import AnalyticsService
from campaigns.surveys import SurveyService
from campaigns.triggers import TriggerService
from hub.errors import HubError
from hub.web.keys import SERVICES, SETTINGS, STORE
from hub.web.public.surveys import add_survey_pages
from hub.web.survey_keys import SURVEYS, SurveyKit
from hub.web.workers import RUN_WORKERS

log = logging.getLogger("hub.surveys")
TRIGGER_POLL_S = 15.0


async def _trigger_loop(triggers: TriggerService, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            busy = await triggers.run_due()
        except HubError as exc:
            log.warning("trigger pass failed", extra={"error": exc.code})
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TRIGGER_POLL_S)


async def survey_features(app: web.Application) -> AsyncIterator[None]:
    settings, store, services = app[SETTINGS], app[STORE], app[SERVICES]
    surveys = SurveyService(store, services.timeline, settings.public_url)
    triggers = TriggerService(store, surveys, services.messaging)
    app[SURVEYS] = SurveyKit(surveys=surveys, analytics=AnalyticsService(store),
                             triggers=triggers)
    services.inbox.add_listener(surveys.on_inbound)
    services.calls.add_listener(triggers.consider)
    services.inbox.add_listener(triggers.consider)  # rules on inbound email/SMS
    if not app.get(RUN_WORKERS, True):
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(_trigger_loop(triggers, stop), name="survey-triggers")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, 10)


def add_survey_features(app: web.Application) -> None:
    app.cleanup_ctx.append(survey_features)
    add_survey_pages(app)

"""The web app: `create_app(settings)` opens the store and the channels once, assembles the
services (`hub.wiring`), starts the background work and adds the routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.config import Settings
from hub.errors import StoreUnavailable
from hub.ports import Store
from hub.services.outbound import RetryPolicy
from hub.store import create_store
from hub.web.api import ROUTES
from hub.web.api.openapi import openapi_document
from hub.web.background import (
    campaign_dispatch,
    email_poller,
    import_jobs,
    journey_schedule,
    journey_worker,
    survey_triggers,
    webhook_delivery,
)
from hub.web.errors import error_middleware
from hub.web.keys import (
    CAMPAIGNS,
    COMPONENTS,
    JOURNEY_CLOCK,
    OPENAPI,
    RUN_WORKERS,
    SERVICES,
    SETTINGS,
    STORE,
    SURVEYS,
)
from hub.web.locale import bind_request
from hub.web.metrics import add_metrics_route
from hub.web.middleware import request_log, security_headers
from hub.web.public import add_public_form_routes
from hub.web.public.confirm import add_confirm_routes
from hub.web.public.preferences import add_preference_routes
from hub.web.public.surveys import add_survey_pages
from hub.web.public.unsubscribe import add_unsubscribe_routes
from hub.web.ui import add_staff_ui
from hub.web.webhooks import add_twilio_webhooks
from hub.wiring import assemble, build_adapters

log = logging.getLogger("hub.app")


async def healthz(request: web.Request) -> web.Response:
    try:
        await request.app[STORE].ping()
        await request.app[SERVICES].blobs.check()
    except StoreUnavailable:
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def create_app(
    settings: Settings, *, store: Store | None = None, retry: RetryPolicy | None = None
) -> web.Application:
    """The whole web app. `store` lets a caller pass one it already opened (the app then
    leaves closing it to that caller); by default the app opens and closes its own. `retry`
    sets the send retry policy (tests shorten its delays)."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[bind_request, request_log, security_headers, error_middleware],
    )
    app[SETTINGS] = settings
    app[RUN_WORKERS] = True
    app[OPENAPI] = openapi_document(ROUTES.routes, server_url=settings.public_url + "/api/v1")

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        opened = store or await create_store(settings)
        app[STORE] = opened
        yield
        if store is None:
            await opened.close()

    async def components_ctx(app: web.Application) -> AsyncIterator[None]:
        adapters = build_adapters(settings)
        components = assemble(app[STORE], settings, adapters, retry=retry,
                              clock=app.get(JOURNEY_CLOCK))
        app[COMPONENTS] = components
        app[SERVICES] = components.services
        app[CAMPAIGNS] = components.campaigns
        app[SURVEYS] = components.surveys
        log.info("channels open", extra={"backend": app[STORE].backend, "channels": ",".join(
            f"{name}:{adapter.__class__.__name__}" for name, adapter in adapters.items())})
        yield
        for adapter in adapters.values():
            await adapter.close()

    for ctx in (store_ctx, components_ctx, email_poller, campaign_dispatch, survey_triggers,
                journey_worker, journey_schedule, webhook_delivery, import_jobs):
        app.cleanup_ctx.append(ctx)
    app.router.add_get("/healthz", healthz)
    add_metrics_route(app)
    ROUTES.add_to(app)
    add_twilio_webhooks(app)
    add_public_form_routes(app)
    add_survey_pages(app)
    add_unsubscribe_routes(app)
    add_preference_routes(app)
    add_confirm_routes(app)
    add_staff_ui(app)
    return app

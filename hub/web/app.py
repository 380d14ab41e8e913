"""The composition root: `create_app(settings)` wires store, services and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from channels import REGISTRY
from channels.sms.keywords import HELP_REPLY
from hub.config import Settings
from hub.errors import StoreUnavailable
from hub.ports import Store
from hub.services import build_services
from hub.services.messaging import RetryPolicy
from hub.store import create_store
from hub.web.api import ROUTES
from hub.web.api.openapi import openapi_document
from hub.web.campaign_engine import add_unsubscribe_routes, campaign_engine
from hub.web.errors import error_middleware
from hub.web.keys import OPENAPI, SERVICES, SETTINGS, STORE
from hub.web.middleware import request_log, security_headers
from hub.web.public import add_public_form_routes
from hub.web.survey_features import add_survey_features
from hub.web.ui import add_staff_ui
from hub.web.webhooks import add_twilio_webhooks
from hub.web.workers import email_poller

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
        middlewares=[request_log, security_headers, error_middleware],
    )
    app[SETTINGS] = settings
    app[OPENAPI] = openapi_document(ROUTES.routes, server_url=settings.public_url + "/api/v1")

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        opened = store or await create_store(settings)
        adapters = REGISTRY.build_adapters(settings)
        app[STORE] = opened
        app[SERVICES] = build_services(opened, settings, adapters, retry=retry,
                                       sms_help_reply=HELP_REPLY)
        log.info("store open", extra={"backend": opened.backend,
                                      "channels": ",".join(f"{n}:{a.__class__.__name__}"
                                                           for n, a in adapters.items())})
        yield
        for adapter in adapters.values():
            await adapter.close()
        if store is None:
            await opened.close()

    app.cleanup_ctx.append(store_ctx)
    add_survey_features(app)  # before the pollers: their mail may answer a survey
    add_twilio_webhooks(app)
    app.cleanup_ctx.append(email_poller)
    app.cleanup_ctx.append(campaign_engine)
    add_unsubscribe_routes(app)
    app.router.add_get("/healthz", healthz)
    ROUTES.add_to(app)
    add_public_form_routes(app)
    add_staff_ui(app)
    return app

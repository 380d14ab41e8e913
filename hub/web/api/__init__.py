"""The JSON REST API under /api/v1: one module per resource, one route table for all."""

from hub.web.api import (
    analytics,
    calls,
    campaigns,
    directory,
    forms,
    imports,
    inbound,
    messages,
    meta,
    persons,
    segments,
    surveys,
    templates_api,
    timelines,
    transactions,
    webhooks_api,
)
from hub.web.api.routing import ApiRoutes

ROUTES = ApiRoutes.combine(
    persons.routes,
    messages.routes,
    calls.routes,
    directory.routes,
    forms.routes,
    inbound.routes,
    imports.routes,
    timelines.routes,
    transactions.routes,
    segments.routes,
    templates_api.routes,
    campaigns.routes,
    surveys.routes,
    analytics.routes,
    meta.routes,
    webhooks_api.routes,
)

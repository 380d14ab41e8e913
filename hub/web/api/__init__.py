"""The JSON REST API under /api/v1: one module per resource, one route table for all."""

from hub.web.api import directory, messages, meta, persons, timelines, transactions
from hub.web.api.routing import ApiRoutes

ROUTES = ApiRoutes.combine(
    persons.routes,
    messages.routes,
    directory.routes,
    timelines.routes,
    transactions.routes,
    meta.routes,
)

"""Outgoing webhook subscriptions (admin only): subscribe, list, delete, the delivery log
and replay. The secret (`whsec_…`) is shown once, in the answer to the subscribe call."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.common import UtcDateTime
from hub.domain.staff import ADMIN_ONLY
from hub.domain.webhooks import WEBHOOK_EVENT_TYPES
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.keys import SERVICES

routes = ApiRoutes()
SUBSCRIPTION = Answer("the subscription (`id, url, event_types, description, state, "
                      "disabled_reason, failing_since, created_at`)")


class SubscriptionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=500)
    before: UtcDateTime | None = None


class ReplayInput(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: UtcDateTime | None = Field(default=None, alias="from")
    end: UtcDateTime | None = Field(default=None, alias="to")


def delivery_json(delivery: Any) -> dict[str, Any]:
    data = delivery.to_json()
    for private in ("lease_owner", "lease_until", "person_ids"):
        data.pop(private, None)
    return data


@routes.route("POST", "/webhooks", roles=ADMIN_ONLY, body=SubscriptionInput, status=201,
              answer=Answer("the subscription with its `secret` (shown this once)"),
              summary="Subscribe a URL (https, or http to loopback) to event types (patterns "
              "like `event.*.inbound` or `person.*`); deliveries follow Standard Webhooks")
async def create_subscription(request: web.Request, body: SubscriptionInput) -> Any:
    subscription = await request.app[SERVICES].webhooks.create(
        body.url, body.event_types, body.description)
    return {**subscription.public(), "secret": subscription.secret}


@routes.route("GET", "/webhooks", roles=ADMIN_ONLY,
              answer=Answer('`{"items": [subscription...], "event_types": [...]}`'),
              summary="The subscriptions (without secrets) and every event type")
async def list_subscriptions(request: web.Request) -> Any:
    found = await request.app[SERVICES].webhooks.all()
    return {"items": [s.public() for s in found], "event_types": list(WEBHOOK_EVENT_TYPES)}


@routes.route("DELETE", "/webhooks/{subscription_id}", roles=ADMIN_ONLY,
              answer=Answer('`{"deleted": id}`'),
              summary="Delete a subscription; its open deliveries are cancelled")
async def delete_subscription(request: web.Request) -> Any:
    subscription_id = request.match_info["subscription_id"]
    await request.app[SERVICES].webhooks.delete(subscription_id)
    return {"deleted": subscription_id}


@routes.route("POST", "/webhooks/{subscription_id}/enable", roles=ADMIN_ONLY,
              answer=SUBSCRIPTION, summary="Enable a subscription that was disabled")
async def enable_subscription(request: web.Request) -> Any:
    subscription = await request.app[SERVICES].webhooks.enable(
        request.match_info["subscription_id"])
    return subscription.public()


@routes.route("GET", "/webhooks/{subscription_id}/deliveries", roles=ADMIN_ONLY, query=LogQuery,
              answer=Answer('`{"items": [{"id" (= webhook-id), "event_id", "type", '
                            '"occurred_at", "state", "attempts", "response_status", "error", '
                            '"latency_ms", "next_attempt_at", "delivered_at"}]}`, newest first'),
              summary="The delivery log of a subscription")
async def delivery_log(request: web.Request, query: LogQuery) -> Any:
    found = await request.app[SERVICES].webhooks.log(
        request.match_info["subscription_id"], limit=query.limit, before=query.before)
    return {"items": [delivery_json(d) for d in found]}


@routes.route("POST", "/webhooks/{subscription_id}/deliveries/{delivery_id}/replay",
              roles=ADMIN_ONLY, answer=Answer('`{"queued": n}`'),
              summary="Send one delivery again (same webhook-id); erased ones never")
async def replay_one(request: web.Request) -> Any:
    queued = await request.app[SERVICES].webhooks.replay(
        request.match_info["subscription_id"], delivery_id=request.match_info["delivery_id"])
    return {"queued": queued}


@routes.route("POST", "/webhooks/{subscription_id}/replay", roles=ADMIN_ONLY, body=ReplayInput,
              answer=Answer('`{"queued": n}`'),
              summary="Send again every delivery whose event time is in [from, to)")
async def replay_range(request: web.Request, body: ReplayInput) -> Any:
    queued = await request.app[SERVICES].webhooks.replay(
        request.match_info["subscription_id"], start=body.start, end=body.end)
    return {"queued": queued}



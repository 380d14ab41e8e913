"""Outgoing webhooks: subscriptions, the events Hub emits, and their deliveries (Standard
Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). No I/O here."""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hub.domain.common import Record, UtcDateTime, is_loopback_host, utcnow
from hub.domain.events import EVENT_CHANNELS
from hub.errors import InvalidInput
from hub.i18n import N_

DIRECTIONS = ("inbound", "outbound", "internal")
EVENT_APPENDED_TYPES = tuple(f"event.{channel}.{direction}" for channel in EVENT_CHANNELS
                             for direction in DIRECTIONS)
OTHER_TYPES = (
    "consent.changed", "person.created", "person.merged", "person.erased",
    "conversation.status_changed", "campaign.status_changed", "survey.answered",
    "journey.step_done", "delivery.status",
)
WEBHOOK_EVENT_TYPES: tuple[str, ...] = (*EVENT_APPENDED_TYPES, *OTHER_TYPES)
"""Every type Hub can emit. `conversation.status_changed` and `journey.step_done` are named
for the conversation and journey features, which emit them through the same `emit`."""

TYPE_PATTERN = re.compile(r"[a-z_*]+(\.[a-z_*]+){0,2}\Z")
RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(hours=24)  # failing this long without one success: disabled

SubscriptionState = Literal["enabled", "disabled"]
DeliveryState = Literal["pending", "delivering", "delivered", "failed", "cancelled"]
"""pending: waiting for its (next) attempt; delivering: a worker holds its lease; delivered:
the target answered 2xx; failed: retried for 24 h, or refused for good (410); cancelled:
the subscription was deleted or the person erased."""


def matches(patterns: list[str], event_type: str) -> bool:
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)


def check_types(patterns: list[str]) -> list[str]:
    """Each pattern must name at least one known type (`event.*.inbound`, `person.*`, `*`)."""
    for pattern in patterns:
        if not TYPE_PATTERN.match(pattern) and pattern != "*":
            raise InvalidInput(N_("not an event type: %(pattern)s"),
                               params={"pattern": repr(pattern[:60])},
                               details={"field": "event_types"})
        if not any(fnmatch.fnmatchcase(known, pattern) for known in WEBHOOK_EVENT_TYPES):
            raise InvalidInput(N_("no event type matches %(pattern)s"),
                               params={"pattern": repr(pattern)},
                               details={"field": "event_types", "known": WEBHOOK_EVENT_TYPES})
    return patterns


def check_target(url: str) -> str:
    """https, or http to a loopback address only; no credentials in the URL."""
    if len(url) > 2000:
        raise InvalidInput(N_("the target URL is too long"), details={"field": "url"})
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput(N_("the target must be an https:// URL"), details={"field": "url"})
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InvalidInput(N_("the target must use https (http only to a loopback address)"),
                           details={"field": "url"})
    if parts.username or parts.password:
        raise InvalidInput(N_("no credentials in the target URL"), details={"field": "url"})
    return url


def is_private(address: str) -> bool:
    """A private-range, link-local, shared or reserved address (not loopback, not public)."""
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return False
    return bool(ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified or ip in ipaddress.ip_network("100.64.0.0/10"))


class WebhookSubscription(Record):
    id: str
    url: str
    event_types: list[str] = Field(min_length=1, max_length=100)
    secret: str = Field(repr=False)  # whsec_ + base64 of 32 random bytes
    description: str = Field(default="", max_length=500)
    state: SubscriptionState = "enabled"
    disabled_reason: str | None = None
    failing_since: UtcDateTime | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)
    updated_at: UtcDateTime = Field(default_factory=utcnow)

    @field_validator("url")
    @classmethod
    def _target(cls, value: str) -> str:
        return check_target(value)

    def public(self) -> dict[str, Any]:
        """The subscription without its secret (lists and logs)."""
        data = self.to_json()
        data.pop("secret", None)
        return data


class OutboxEvent(Record):
    """One emitted event, written once where it happened; the worker fans it out into one
    delivery per matching subscription. `id` is the stable event id receivers dedupe on."""

    id: str
    type: str
    occurred_at: UtcDateTime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)
    person_ids: list[str] = Field(default_factory=list)  # erasure finds payloads by these
    fanned_out: bool = False
    emitted_at: UtcDateTime = Field(default_factory=utcnow)  # an import's events are old


class WebhookDelivery(Record):
    """One event to one subscription. Its `id` is the `webhook-id` header: the same on every
    attempt and replay, so the receiver can drop repeats."""

    id: str
    subscription_id: str
    event_id: str
    type: str
    occurred_at: UtcDateTime
    data: dict[str, Any] = Field(default_factory=dict)
    person_ids: list[str] = Field(default_factory=list)
    state: DeliveryState = "pending"
    attempts: int = 0
    next_attempt_at: UtcDateTime = Field(default_factory=utcnow)
    lease_owner: str | None = None
    lease_until: UtcDateTime | None = None
    response_status: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    delivered_at: UtcDateTime | None = None
    created_at: UtcDateTime = Field(default_factory=utcnow)
    erased: bool = False

    def body(self) -> dict[str, Any]:
        """The JSON body sent (Standard Webhooks' recommended shape)."""
        return {"type": self.type, "timestamp": self.occurred_at.isoformat(),
                "id": self.event_id, "data": self.data}


@dataclass(frozen=True, slots=True)
class LeasedDelivery:
    """What posting a leased delivery needs, and no more: a lease returns these (a plain
    object, built from stored columns without validation, on the worker's hot path)."""

    id: str
    event_id: str
    type: str
    occurred_at: datetime
    data: str  # the payload's `data` as stored JSON text, spliced into the body as is
    attempts: int

    def body(self) -> str:
        """`WebhookDelivery.body()` as the JSON text posted."""
        return (f'{{"type":{json.dumps(self.type)},'
                f'"timestamp":"{self.occurred_at.isoformat()}",'
                f'"id":{json.dumps(self.event_id)},"data":{self.data}}}')


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """The result of one attempt, as `finish_many` stores it (the lease is dropped with it)."""

    id: str
    state: DeliveryState  # delivered, failed, or pending (a retry at `next_attempt_at`)
    attempts: int
    next_attempt_at: datetime | None  # None: left as it was (a delivered or failed one)
    response_status: int | None
    error: str | None
    latency_ms: float | None
    delivered_at: datetime | None = None

"""Outgoing webhooks: subscriptions (admin) and the delivery worker.

Crash safety of a delivery, step by step (the worker never holds anything in memory alone):
1. an event is emitted: one outbox row, written where the event happened (`webhook_emit`);
2. fan-out: one delivery per matching subscription (unique on subscription + event, so a
   fan-out repeated after a crash adds nothing), then the outbox row is marked fanned;
3. lease: a worker takes a batch of a subscription's due deliveries, oldest event first,
   with an expiry; a worker that dies leaves them to be taken again when the lease expires;
4. post: signed per Standard Webhooks (`webhook-id` = the delivery id, the same on every
   attempt and replay, so a receiver can drop repeats), started in event order with a few
   in flight per subscription;
5. finish: the batch's outcomes in one write, stored only while the lease is still held.
A crash between 4 and 5 posts the same delivery again: delivery is at least once.

Retries: exponential back-off with jitter for 24 h after the event; a 410 disables the
subscription at once, and a subscription with no success for 24 h is disabled too (both with
the reason shown to admins). Redirects are not followed; only a small prefix of an answer is
read."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from hub.domain.common import is_loopback_host, new_id, utcnow
from hub.domain.webhooks import (
    DISABLE_AFTER,
    RETRY_FOR,
    DeliveryOutcome,
    LeasedDelivery,
    WebhookDelivery,
    WebhookSubscription,
    check_target,
    check_types,
    is_private,
    matches,
)
from hub.errors import HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store

log = logging.getLogger("hub.webhooks_out")
FIRST_RETRY_S = 5.0
MAX_RETRY_S = 3600.0
LEASE = timedelta(minutes=10)  # a batch of slow (but answering) targets fits in it
BATCH = 100
BATCHES = 10  # per subscription and pass
IN_FLIGHT = 8  # posts to one subscription at once
OUTBOX_RETENTION = timedelta(days=7)
LOG_RETENTION = timedelta(days=30)
PRUNE_EVERY_S = 600.0
Resolve = Callable[[str], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int | None  # None: no answer (timeout, refused, private address)
    error: str | None
    latency_ms: float


class Poster(Protocol):
    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> PostResult: ...


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class Signer:
    """Standard Webhooks v1 signatures for one secret: `v1,` + base64 HMAC-SHA256 over
    `id.timestamp.body`, keyed with the base64 key after `whsec_` (as the `standardwebhooks`
    library signs and verifies; the tests verify with it). The key is set up once and copied
    per signature, a third of the library's cost per post."""

    def __init__(self, secret: str) -> None:
        key = base64.b64decode(secret.removeprefix("whsec_") + "==")  # padding as the library
        if not key:
            raise ValueError("a webhook secret may not be empty")
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def headers(self, delivery_id: str, timestamp: int, body: str) -> dict[str, str]:
        """The request headers for posting `body` (`timestamp`: Unix seconds, the post's)."""
        mac = self._keyed.copy()
        mac.update(f"{delivery_id}.{timestamp}.{body}".encode())
        return {"webhook-id": delivery_id, "webhook-timestamp": str(timestamp),
                "webhook-signature": "v1," + base64.b64encode(mac.digest()).decode("ascii"),
                "content-type": "application/json"}


def signed_headers(secret: str, delivery_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for `body` (v1: HMAC-SHA256 over id.timestamp.body)."""
    return Signer(secret).headers(delivery_id, int(at.timestamp()), body)


def retry_delay(attempts: int, rng: random.Random, first_s: float = FIRST_RETRY_S
                ) -> timedelta:
    """Exponential (5 s, 10 s, 20 s, ... at most an hour), jittered over its upper half."""
    ceiling = min(MAX_RETRY_S, first_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling * (0.5 + rng.random() / 2))


async def system_resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class WebhookService:
    def __init__(self, store: Store, *, allow_private: bool,
                 resolve: Resolve = system_resolve) -> None:
        self._store = store
        self.allow_private = allow_private
        self._resolve = resolve

    async def check_reachable(self, url: str) -> None:
        """Refuse a target that resolves to a private-range address (unless allowed)."""
        host = (urlsplit(url).hostname or "").lower()
        if is_loopback_host(host) or self.allow_private:
            return
        try:
            addresses = await self._resolve(host)
        except OSError as exc:
            raise InvalidInput(N_("the target host %(host)s cannot be resolved"),
                               params={"host": repr(host)}, details={"field": "url"}) from exc
        if any(is_private(address) for address in addresses):
            raise InvalidInput(N_("the target host %(host)s resolves to a private address; an "
                                  "operator can allow that with HUB_WEBHOOKS_ALLOW_PRIVATE"),
                               params={"host": repr(host)}, details={"field": "url"})

    async def create(self, url: str, event_types: list[str], description: str = ""
                     ) -> WebhookSubscription:
        check_target(url)
        check_types(event_types)
        await self.check_reachable(url)
        subscription = WebhookSubscription(id=new_id(), url=url, event_types=event_types,
                                           secret=new_secret(), description=description)
        await self._store.webhooks.add_subscription(subscription)
        return subscription

    async def all(self) -> list[WebhookSubscription]:
        return await self._store.webhooks.subscriptions()

    async def get(self, subscription_id: str) -> WebhookSubscription:
        found = await self._store.webhooks.get_subscription(subscription_id)
        if found is None:
            raise NotFound(N_("no webhook subscription %(id)s"),
                           params={"id": subscription_id}, details={"id": subscription_id})
        return found

    async def delete(self, subscription_id: str) -> None:
        if not await self._store.webhooks.delete_subscription(subscription_id):
            raise NotFound(N_("no webhook subscription %(id)s"),
                           params={"id": subscription_id}, details={"id": subscription_id})

    async def enable(self, subscription_id: str) -> WebhookSubscription:
        subscription = await self.get(subscription_id)
        updated = subscription.model_copy(update={
            "state": "enabled", "disabled_reason": None, "failing_since": None,
            "updated_at": utcnow()})
        await self._store.webhooks.replace_subscription(updated)
        return updated

    async def log(self, subscription_id: str, *, limit: int,
                  before: datetime | None = None) -> list[WebhookDelivery]:
        await self.get(subscription_id)
        return await self._store.webhooks.deliveries(subscription_id, limit=limit,
                                                     before=before)

    async def replay(self, subscription_id: str, *, delivery_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None) -> int:
        await self.get(subscription_id)
        if delivery_id is not None:
            found = await self._store.webhooks.get_delivery(delivery_id)
            if found is None or found.subscription_id != subscription_id:
                raise NotFound(N_("no delivery %(id)s"), params={"id": delivery_id},
                               details={"id": delivery_id})
        elif start is None or end is None:
            raise InvalidInput(N_("replay needs a delivery, or both `from` and `to`"),
                               details={"field": "from"})
        return await self._store.webhooks.replay(subscription_id, delivery_id=delivery_id,
                                                 start=start, end=end, now=utcnow())


class WebhookWorker:
    """Fans the outbox out and delivers, one task per subscription (its events started in
    order, `in_flight` posts at once; 1 keeps a subscription's posts strictly one by one)."""

    def __init__(self, store: Store, poster: Poster, *, owner: str | None = None,
                 poll_s: float = 0.5, rng: random.Random | None = None,
                 first_retry_s: float = FIRST_RETRY_S, lease: timedelta = LEASE,
                 in_flight: int = IN_FLIGHT, outbox_retention: timedelta = OUTBOX_RETENTION,
                 log_retention: timedelta = LOG_RETENTION) -> None:
        self._store = store
        self._outbox_retention = outbox_retention
        self._log_retention = log_retention
        self._pruned_at = -PRUNE_EVERY_S  # monotonic seconds: the first pass prunes
        self._in_flight = max(1, in_flight)
        self._poster = poster
        self.owner = owner or f"webhooks-{new_id()}"
        self._poll_s = poll_s
        self._rng = rng or random.Random()
        self._first_retry_s = first_retry_s
        self._lease_for = lease

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.prune_outbox()
                busy = await self.tick()
            except HubError as exc:  # the store is away: the next pass retries
                log.warning("webhook pass failed", extra={"error": exc.code})
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll_s)

    async def prune_outbox(self, *, force: bool = False) -> int:
        """Delete outbox events fanned out longer than the retention ago, and deliveries
        finished longer than the log's retention ago (at most once every `PRUNE_EVERY_S`,
        unless forced); returns how many outbox events went."""
        if not force and time.monotonic() - self._pruned_at < PRUNE_EVERY_S:
            return 0
        self._pruned_at = time.monotonic()
        now = utcnow()
        pruned = await self._store.webhooks.prune_outbox(before=now - self._outbox_retention)
        if pruned:
            log.info("webhook outbox pruned", extra={"events": pruned})
        finished = await self._store.webhooks.prune_deliveries(before=now - self._log_retention)
        if finished:
            log.info("webhook delivery log pruned", extra={"deliveries": finished})
        return pruned

    async def tick(self) -> bool:
        fanned, subscriptions = await self._fan_out()
        if subscriptions is None:  # nothing was fanned out: read them now
            subscriptions = await self._enabled()
        sent = await asyncio.gather(*(self.deliver(s) for s in subscriptions))
        return bool(fanned or any(sent))

    async def _enabled(self) -> list[WebhookSubscription]:
        return [s for s in await self._store.webhooks.subscriptions() if s.state == "enabled"]

    async def fan_out(self) -> int:
        return (await self._fan_out())[0]

    async def _fan_out(self) -> tuple[int, list[WebhookSubscription] | None]:
        """Fan out a batch of the outbox; returns how many events, and the enabled
        subscriptions if it read them (after the events: a subscription made meanwhile is
        not missed by events emitted after it). With no subscription enabled, the batch is
        marked by id, its payloads never read."""
        waiting = await self._store.webhooks.unfanned_ids(limit=BATCH * 4)
        if not waiting:
            return 0, None
        subscriptions = await self._enabled()
        if not subscriptions:  # each of `waiting` was emitted before this read
            await self._store.webhooks.mark_fanned(waiting)
            return len(waiting), subscriptions
        events = await self._store.webhooks.unfanned(limit=BATCH * 4)
        if not events:  # another worker took them meanwhile
            return 0, subscriptions
        subscriptions = await self._enabled()  # again: read after these events
        deliveries = [("msg_" + new_id(), s.id, e) for e in events for s in subscriptions
                      if s.created_at <= e.emitted_at + timedelta(seconds=1)
                      and matches(s.event_types, e.type)]
        await self._store.webhooks.fan_out(deliveries, fanned=[e.id for e in events],
                                           now=utcnow())
        return len(events), subscriptions

    async def deliver(self, subscription: WebhookSubscription) -> int:
        """Post this subscription's due deliveries, batch after batch (at most `BATCHES` per
        pass, so fresh events are fanned out in between); returns how many were attempted.

        Per batch: one lease, then the deliveries started in event order by a fixed pool of
        `in_flight` posting tasks; the first batch of a pass (and any batch of a failing
        subscription, or one that starts with a retry) posts its oldest alone first, so a
        target that is down gets one attempt, not a volley. A delivery that will be retried
        stops further starts, so later events wait behind it (released, untried). The
        outcomes are recorded in one write, which runs while the next batch is posted (the
        next lease is not taken ahead: a lease running while posts are under way cost more
        CPU per delivery than it saved in waiting). A crash before that write leaves the
        leases to expire: those deliveries are posted again, with the same webhook-id."""
        current: WebhookSubscription | None = subscription  # as read by this pass
        signer = Signer(subscription.secret)
        attempted = 0
        writing: asyncio.Future[int] | None = None
        try:
            for batch in range(BATCHES):
                if current is None or current.state != "enabled":
                    break
                leased = await self._lease(current.id)
                if not leased:
                    break
                cautious = (batch == 0 or current.failing_since is not None
                            or leased[0].attempts > 0)
                outcomes, stopper = await self._post_batch(current, signer, leased,
                                                           alone_first=cautious)
                attempted += len(outcomes)
                if writing is not None:
                    await writing
                    writing = None
                if stopper is None:
                    if current.failing_since is not None and any(
                            o.state == "delivered" for o in outcomes):
                        current = await self._track(current, True, None)
                    writing = asyncio.ensure_future(self._store.webhooks.finish_many(
                        outcomes, owner=self.owner))
                    if len(leased) < BATCH:  # nothing more was due: no empty lease to ask
                        break
                    continue
                # outcomes first: a subscription disabled below cancels what is still open
                await self._store.webhooks.finish_many(
                    outcomes, owner=self.owner, release=[d.id for d in leased[len(outcomes):]])
                current = await self._track(current, False, stopper)
                break
        finally:
            if writing is not None:
                await writing
        return attempted

    async def _lease(self, subscription_id: str) -> list[LeasedDelivery]:
        now = utcnow()
        return await self._store.webhooks.lease(subscription_id, owner=self.owner, now=now,
                                                until=now + self._lease_for, limit=BATCH)

    async def _post_batch(self, subscription: WebhookSubscription, signer: Signer,
                          leased: list[LeasedDelivery], *, alone_first: bool
                          ) -> tuple[list[DeliveryOutcome], PostResult | None]:
        """Post `leased` in event order (see `deliver`); returns the outcomes of the leading
        deliveries that were started (in order) and the answer that stopped the batch, if
        one did (a retry is due, or 410 Gone)."""
        outcomes: list[DeliveryOutcome | None] = [None] * len(leased)
        stopped_at = len(leased)
        stopper: PostResult | None = None
        started = 0

        async def post(index: int) -> None:
            nonlocal stopped_at, stopper
            outcome, result = await self._attempt(subscription, signer, leased[index])
            outcomes[index] = outcome
            if (outcome.state == "pending" or result.status == 410) and index < stopped_at:
                stopped_at, stopper = index, result

        async def lane() -> None:  # one of the pool: takes the next delivery in event order
            nonlocal started
            while stopper is None and started < len(leased):
                started += 1
                await post(started - 1)

        if alone_first:
            started = 1
            await post(0)
        lanes = [asyncio.ensure_future(lane())
                 for _ in range(min(self._in_flight, len(leased) - started)) if stopper is None]
        try:
            await asyncio.gather(*lanes)
        finally:
            for task in lanes:  # only when one raised: the rest are not recorded
                task.cancel()
        return [o for o in outcomes[:started] if o is not None], stopper

    async def _attempt(self, subscription: WebhookSubscription, signer: Signer,
                       delivery: LeasedDelivery) -> tuple[DeliveryOutcome, PostResult]:
        """Post once; the outcome to store, and the answer."""
        body = delivery.body()
        headers = signer.headers(delivery.id, int(time.time()), body)
        result = await self._poster.post(subscription.url, headers, body.encode())
        done = utcnow()
        attempts = delivery.attempts + 1
        latency = round(result.latency_ms, 2)
        if result.status is not None and 200 <= result.status < 300:
            return DeliveryOutcome(delivery.id, "delivered", attempts, None, result.status,
                                   None, latency, done), result
        if result.status == 410:
            return DeliveryOutcome(delivery.id, "failed", attempts, None, result.status,
                                   "the target answered 410 Gone", latency), result
        if done - delivery.occurred_at > RETRY_FOR:
            return DeliveryOutcome(delivery.id, "failed", attempts, None, result.status,
                                   f"gave up after 24 hours: {result.error}", latency), result
        retry_at = done + retry_delay(attempts, self._rng, self._first_retry_s)
        return DeliveryOutcome(delivery.id, "pending", attempts, retry_at, result.status,
                               result.error, latency), result

    async def _track(self, subscription: WebhookSubscription, ok: bool,
                     result: PostResult | None) -> WebhookSubscription | None:
        """Keep the subscription's failure streak; disable it on a 410 or after 24 h of
        failures (the reason is shown to admins). Returns it as it now is (None: gone)."""
        if ok:
            if subscription.failing_since is None:
                return subscription
            healed = subscription.model_copy(update={"failing_since": None,
                                                     "updated_at": utcnow()})
            await self._store.webhooks.replace_subscription(healed)
            return healed
        now = utcnow()
        reason = None
        if result is not None and result.status == 410:
            reason = "disabled: the target answered 410 Gone"
        elif subscription.failing_since and now - subscription.failing_since > DISABLE_AFTER:
            reason = "disabled: no delivery succeeded for 24 hours"
        if subscription.failing_since is not None and reason is None:
            return subscription
        update: dict[str, object] = {"failing_since": subscription.failing_since or now,
                                     "updated_at": now}
        if reason:
            update |= {"state": "disabled", "disabled_reason": reason}
            log.warning("webhook subscription disabled", extra={
                "subscription_id": subscription.id, "reason": reason})
        changed = subscription.model_copy(update=update)
        try:
            await self._store.webhooks.replace_subscription(changed)
        except NotFound:
            return None
        if reason:
            await self._store.webhooks.cancel_open(subscription.id, reason)
        return changed

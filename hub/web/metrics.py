"""`GET /metrics`: Prometheus text format, for an admin (a scraper sends an admin API token
as `Authorization: Bearer …`). This process's counters (hub/metrics.py, plus the process's
CPU and memory) and, read from the store at scrape time, what the whole deployment shares:
campaigns by status and the deliveries of running and paused campaigns by status (the send
queue's depth)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from hub.domain.campaigns import CampaignStatus
from hub.ports import Store
from hub.web.auth import require_role
from hub.web.errors import error_middleware
from hub.web.keys import SERVICES, STORE
from hub.web.middleware import security_headers

QUEUE_CAMPAIGNS: tuple[CampaignStatus, ...] = ("running", "paused")


class _Snapshot(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families


async def _deployment(store: Store) -> list[GaugeMetricFamily]:
    campaigns = await store.campaigns.with_status(QUEUE_CAMPAIGNS)
    by_campaign_status = Counter(c.status for c in campaigns)
    running = GaugeMetricFamily("hub_campaigns", "Campaigns that hold a send queue, by status.",
                                labels=["status"])
    for status in QUEUE_CAMPAIGNS:
        running.add_metric([status], by_campaign_status[status])
    deliveries: Counter[str] = Counter()
    for campaign in campaigns:
        deliveries.update((await store.deliveries.counts(campaign.id)).by_status)
    queue = GaugeMetricFamily(
        "hub_deliveries", "Deliveries of running and paused campaigns by status (queued + "
        "leased is the send queue's depth).", labels=["status"])
    for delivery_status, count in sorted(deliveries.items()):
        queue.add_metric([delivery_status], count)
    return [running, queue]


async def metrics(request: web.Request) -> web.Response:
    await require_role(request, frozenset({"admin"}))
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Snapshot(await _deployment(request.app[STORE])))
    body = generate_latest(REGISTRY) + generate_latest(scrape)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_metrics_route(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics)


def ops_app(main: web.Application) -> web.Application:
    """What a `--role worker` process serves: `/healthz` and `/metrics` over the store and
    services of `main` (already set up), so its send counters can be scraped too."""
    from hub.web.app import healthz

    ops = web.Application(middlewares=[security_headers, error_middleware])
    ops[STORE] = main[STORE]
    ops[SERVICES] = main[SERVICES]
    ops.router.add_get("/healthz", healthz)
    add_metrics_route(ops)
    return ops

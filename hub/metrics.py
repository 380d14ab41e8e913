"""What this process counts for `/metrics` (Prometheus text format, prometheus_client's
default registry, which also carries the process's CPU, memory and open files). Counters are
per process: Prometheus sums them over the web and worker processes it scrapes. Figures that
belong to the whole deployment (queue depths) are read from the store at scrape time, in
`hub/web/metrics.py`."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SENDS = Counter(
    "hub_sends", "Messages handed to a channel's provider, by outcome: sent, retried "
    "(a transient failure, tried again), failed, misconfigured (an operator must act).",
    ["channel", "outcome"])
SEND_SECONDS = Histogram(
    "hub_send_seconds", "Time of one hand-over to a channel's provider.", ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LEASES_EXPIRED = Counter(
    "hub_lease_expiries", "Campaign deliveries whose worker vanished mid-send (lease "
    "expired in `sending`): reconciled to `unknown`, never resent.")
REQUEST_SECONDS = Histogram(
    "hub_http_request_seconds", "HTTP requests by area (the path's first segment: api, "
    "webhooks, f, s, u, ...) and status class.", ["area", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

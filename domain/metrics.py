"""Prometheus metrics: every one Coso exports, and how a process exposes them.

Defined here, in the domain, because the job runner and the sync runs record into them;
the API and the worker only expose them (`api/observability.py`). Metric names and labels
are documented in the README ("Metrics"); keep both in step.

Several API processes (`coso serve --workers N`) share one listening socket, so a scrape
reaches any one of them: they run in prometheus_client's multiprocess mode (each process
writes its samples to files in `PROMETHEUS_MULTIPROC_DIR`, a scrape sums them all), which
`coso serve` turns on by itself for more than one worker. A `coso worker` is a process
with a port of its own, scraped alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "coso_http_request_duration_seconds",
    "Time to answer one HTTP request, by route and GraphQL operation.",
    ["route", "operation", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUERY_COST = Histogram(
    "coso_graphql_query_cost",
    "Estimated cost of each GraphQL operation, as computed before it runs.",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000),
)
RATE_LIMITED = Counter(
    "coso_rate_limit_refusals_total",
    "Requests refused by a rate limit (HTTP 429), by the limit that refused them.",
    ["limit"],
)
JOB_RUNS = Counter(
    "coso_job_runs_total",
    "Background job runs (each try counts), by job and outcome.",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "coso_job_duration_seconds",
    "Time one try of a background job ran, by job and outcome.",
    ["job", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
SYNC_FAILURES = Counter(
    "coso_sync_failures_total",
    "Sync and publishing runs that ended FAILED, by platform, kind and error code.",
    ["platform", "kind", "code"],
)

EVENTS_PUBLISHED = Counter(
    "coso_events_published_total",
    "Domain events raised (after their transaction committed), by kind.",
    ["kind"],
)
EVENTS_DELIVERED = Counter(
    "coso_events_delivered_total",
    "Events sent to live subscribers over WebSocket, by kind.",
    ["kind"],
)
WEBHOOK_DELIVERIES = Counter(
    "coso_webhook_delivery_attempts_total",
    "Webhook delivery attempts, by outcome: delivered, failed (will retry), gave_up, "
    "refused (address not allowed), skipped (endpoint disabled or deleted).",
    ["outcome"],
)


def observe_query_cost(cost: float) -> None:
    """Record the estimated cost of one GraphQL operation (the query cost limiter's hook)."""
    QUERY_COST.observe(cost)


def count_rate_limit_refusal(limit: str) -> None:
    """Record one request refused by `limit` (e.g. `token`, `address`, `cost`)."""
    RATE_LIMITED.labels(limit=limit).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text a scrape gets: this process's metrics, or every process's in multiprocess
    mode, then `extra` collectors read at scrape time (the queue depth)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    more = CollectorRegistry()
    for collector in extra:
        more.register(collector)
    return generate_latest(registry) + generate_latest(more)

"""Prometheus metrics of one app: HTTP requests and latency, and the ledger engine's counters.

Each app has its own CollectorRegistry, so several apps (tests, the demo) never share series.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strongroom.ledger import Ledger

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class EngineCollector(Collector):
    """Reads `ledger.engine.stats` and `queue_depth` at scrape time."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def collect(self) -> Iterator[Metric]:
        engine = self._ledger.engine
        stats = engine.stats
        for name, value, text in (
            ("batches", stats.batches, "Batches committed by the ledger engine"),
            ("transfers", stats.transfers, "Transfers processed by the ledger engine"),
            ("retries", stats.retries, "Batches retried after a transient database error"),
            ("expired", stats.expired, "Pending transfers released at their timeout"),
        ):
            yield CounterMetricFamily(f"strongroom_ledger_{name}", text, value=value)
        sizes = stats.batch_sizes
        mean = sum(sizes) / len(sizes) if sizes else 0.0
        yield GaugeMetricFamily(
            "strongroom_ledger_batch_size_mean",
            "Mean transfers per batch over the last 10,000 batches",
            value=mean,
        )
        yield GaugeMetricFamily(
            "strongroom_ledger_queue_depth",
            "Transfers waiting for the ledger engine",
            value=engine.queue_depth,
        )


class ApiMetrics:
    def __init__(self, ledger: Ledger) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "strongroom_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "strongroom_http_request_duration_seconds",
            "Time from request start to the end of the response",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(EngineCollector(ledger))


class MetricsMiddleware:
    """Counts and times every request under its route template (`/v1/accounts/{id}`)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            # Unmatched paths share one label so that scanners cannot grow the series set.
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)

"""Prometheus metrics of one app: HTTP requests and latency, and the ledger engine's counters.

Each app has its own CollectorRegistry, so several apps (tests, the demo) never share series.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from strongroom.ledger import Ledger
from strongroom.ledger.metrics import LedgerCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


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
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # `labels()` validates and locks on every call (~3 µs); the label sets are few (methods
        # x route templates x statuses), so each child is looked up once and kept.
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], Histogram] = {}
        # The ledger's own collector: engine counters, queue depth, recent batch sizes, bucket
        # counts and the contention of the hottest accounts.
        self.registry.register(LedgerCollector(ledger.engine, ledger.engine.contention))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request under its route template and record how long it took."""
        counted = self._counted.get((method, route, status))
        if counted is None:
            counted = self._counted[method, route, status] = self.requests.labels(
                method, route, str(status)
            )
        counted.inc()
        timed = self._timed.get((method, route))
        if timed is None:
            timed = self._timed[method, route] = self.latency.labels(method, route)
        timed.observe(seconds)

"""The dashboard's figures, from the serving process's own Prometheus registry (the figures a
scrape of /metrics would give: the ledger engine, HTTP latency, the intent queue, the relay and
the consumers), so the dashboard costs no database query.

Counters only say "so many since the process started": `Window` keeps the samples of the last
minutes (one per second at most, taken when the dashboard asks) and turns their differences into
transfers per second and latency percentiles over that window. Percentiles come from histogram
buckets, so each is the upper bound of the bucket it falls in: "at most".
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from strongroom.api.http.metrics import LATENCY_BUCKETS

#: The transfers the ledger engine committed, and the HTTP latency histogram's buckets.
TRANSFERS = "strongroom_ledger_transfers_total"
LATENCY_BUCKET = "strongroom_http_request_duration_seconds_bucket"

Labels = dict[str, str]
Samples = dict[str, list[tuple[Labels, float]]]


def read(registry: CollectorRegistry) -> Samples:
    """Every sample of `registry`, by name."""
    found: Samples = defaultdict(list)
    for family in registry.collect():
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def total(samples: Samples, name: str) -> float | None:
    values = samples.get(name)
    return None if not values else sum(v for _, v in values)


def latency_buckets(samples: Samples) -> dict[float, float]:
    """Cumulative request counts by bucket bound, summed over methods and routes."""
    buckets: dict[float, float] = defaultdict(float)
    for labels, value in samples.get(LATENCY_BUCKET, ()):
        buckets[float(labels["le"])] += value
    return dict(buckets)


def percentile(buckets: dict[float, float], q: float) -> float | None:
    """The bound of the bucket holding the q-quantile of cumulative `buckets` (None: no
    observations; inf: above the largest finite bound)."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    return next(b for b in bounds if buckets[b] >= rank)


@dataclass(frozen=True, slots=True)
class Point:
    at: float
    transfers: float
    latency: dict[float, float]


@dataclass(frozen=True, slots=True)
class Rates:
    """Over `seconds`: transfers committed per second, and the HTTP latency percentiles."""

    seconds: float
    transfers_per_second: float
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class Window:
    """The samples of the last `keep` seconds, one per `every` seconds at most."""

    keep: float = 600.0
    every: float = 1.0
    points: deque[Point] = field(default_factory=deque)

    def add(self, at: float, samples: Samples) -> None:
        if self.points and at - self.points[-1].at < self.every:
            return
        self.points.append(Point(at, total(samples, TRANSFERS) or 0.0, latency_buckets(samples)))
        while self.points and at - self.points[0].at > self.keep:
            self.points.popleft()

    def rates(self, seconds: float) -> Rates | None:
        """The figures over the last `seconds` (or as much as was sampled); None before two
        samples."""
        if len(self.points) < 2:
            return None
        last = self.points[-1]
        first = next(p for p in self.points if last.at - p.at <= seconds)
        if first is last:
            first = self.points[-2]
        span = last.at - first.at
        delta = {b: n - first.latency.get(b, 0.0) for b, n in last.latency.items()}
        return Rates(
            span,
            max(0.0, last.transfers - first.transfers) / span,
            percentile(delta, 0.50),
            percentile(delta, 0.95),
            percentile(delta, 0.99),
        )

    def series(self) -> list[tuple[float, float]]:
        """(seconds before the last sample, transfers/s) between consecutive samples."""
        points = list(self.points)
        last = points[-1].at if points else 0.0
        return [
            (b.at - last, max(0.0, b.transfers - a.transfers) / (b.at - a.at))
            for a, b in itertools.pairwise(points)
        ]


def milliseconds(seconds: float | None) -> str:
    """A latency bound for people: `≤ 5 ms`; `> 5 s` above the largest bound; `none`."""
    if seconds is None:
        return "none"
    if math.isinf(seconds):
        return f"> {max(LATENCY_BUCKETS):g} s"
    return f"≤ {seconds * 1000:g} ms"

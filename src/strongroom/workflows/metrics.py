"""The intent engine's figures as Prometheus metrics.

`IntentCollector` exports one process's `Engine.stats` (steps, failures, retries, outcomes,
lost leases, step latency), its intents in flight and its capacity, and the queue as last
measured (`QueueStats`: the components monitor reads `IntentStore.queue_stats` every few
seconds, so a scrape never queries the database). A process registers it in its app's own
registry, never prometheus_client's global one. The engine never imports this module.

Imports prometheus_client and this package's engine and types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from strongroom.workflows.engine import STEP_BUCKETS, Engine
from strongroom.workflows.types import QueueStats


class IntentCollector(Collector):
    """`queue`: the queue as last measured (None: not measured yet, or the measurement failed:
    the queue's gauges are then left out rather than reported stale)."""

    def __init__(self, engine: Engine, queue: Callable[[], QueueStats | None]) -> None:
        self._engine = engine
        self._queue = queue

    def collect(self) -> Iterator[Metric]:
        engine = self._engine
        stats = engine.stats
        for name, doc, value in (
            ("steps", "Step attempts finished (successes and failures).", stats.steps),
            ("step_failures", "Step attempts that failed or timed out.", stats.step_failures),
            ("retries", "Step attempts scheduled again after a failure.", stats.retries),
            ("completed", "Intents this process brought to a terminal state.", stats.completed),
            ("failed", "Intents this process failed for good.", stats.failed),
            (
                "lost_leases",
                "Checkpoints refused because another worker, or a person, took the intent.",
                stats.lost_leases,
            ),
        ):
            yield CounterMetricFamily(f"strongroom_intents_{name}", doc, value=value)
        running = 0
        buckets: list[tuple[str, float]] = []
        for bound, count in zip((*STEP_BUCKETS, float("inf")), stats.step_buckets, strict=True):
            running += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), running))
        yield HistogramMetricFamily(
            "strongroom_intents_step_duration_seconds",
            "Time one step attempt took.",
            buckets=buckets,
            sum_value=stats.step_seconds_sum,
        )
        yield GaugeMetricFamily(
            "strongroom_intents_in_flight",
            "Intents this process runs right now.",
            value=engine.in_flight,
        )
        yield GaugeMetricFamily(
            "strongroom_intents_capacity",
            "Intents this process runs at most at once.",
            value=engine.capacity,
        )
        queue = self._queue()
        if queue is None:
            return
        for name, doc, figure in (
            (
                "runnable",
                "Intents due to run now and held by no worker (all processes).",
                queue.runnable,
            ),
            (
                "oldest_runnable_age_seconds",
                "How long the oldest runnable intent has been due (0: none is).",
                queue.oldest_runnable_age,
            ),
            ("running", "Intents a worker holds right now (all processes).", queue.running),
            (
                "waiting",
                "Intents waiting for children, a timer or an outside event.",
                queue.waiting,
            ),
        ):
            yield GaugeMetricFamily(f"strongroom_intents_{name}", doc, value=figure)

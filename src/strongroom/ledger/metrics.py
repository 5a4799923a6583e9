"""The ledger's figures as Prometheus metrics.

`LedgerCollector` exports the engine's `EngineStats`, its queue depth, its bucket counts and the
contention tracker (strongroom.ledger.stats); a server registers it in its app's own registry
(strongroom.api.http.metrics), never prometheus_client's global one. The engine never imports
this module: it only feeds the counters in stats.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from strongroom.ledger.stats import ContentionTracker, EngineStats


class EngineView(Protocol):
    """What the export reads from the batch engine."""

    @property
    def stats(self) -> EngineStats: ...

    @property
    def queue_depth(self) -> int: ...

    @property
    def buckets(self) -> dict[uuid.UUID, int]: ...


class LedgerCollector(Collector):
    def __init__(
        self, engine: EngineView, tracker: ContentionTracker | None = None, top_n: int = 20
    ) -> None:
        self._engine = engine
        self._tracker = tracker
        self._top_n = top_n

    def collect(self) -> Iterator[Metric]:
        stats = self._engine.stats
        for name, doc, value in (
            ("batches", "Write batches committed.", stats.batches),
            ("transfers", "Transfers submitted in committed batches.", stats.transfers),
            ("retries", "Whole-batch retries after transient database failures.", stats.retries),
            (
                "reused_ids",
                "Batches rerun with their ids looked up first, for a stored transfer id.",
                stats.reused_ids,
            ),
            ("expired", "Pending transfers released at their timeout.", stats.expired),
            (
                "escalations",
                "Batches rerun with every bucket of a split account locked.",
                stats.escalations,
            ),
            ("resizes", "Bucket splits and merges this process made.", stats.resizes),
            (
                "chained",
                "Batches whose rules ran while the batch before them wrote (SQLite).",
                stats.chained,
            ),
            (
                "chain_misses",
                "Chained batches rerun because their admission was not the one assumed.",
                stats.chain_misses,
            ),
        ):
            yield CounterMetricFamily(f"strongroom_ledger_{name}", doc, value=value)
        yield GaugeMetricFamily(
            "strongroom_ledger_queue_depth",
            "Transfers queued for the next batches.",
            value=self._engine.queue_depth,
        )
        split = GaugeMetricFamily(
            "strongroom_ledger_account_buckets",
            "Bucket rows of each split account, as this process last read them.",
            labels=["account"],
        )
        for account_id, count in sorted(self._engine.buckets.items(), key=lambda kv: -kv[1]):
            split.add_metric([str(account_id)], count)
        yield split
        sizes = sorted(stats.batch_sizes)
        recent = GaugeMetricFamily(
            "strongroom_ledger_recent_batch_size",
            "Transfers per batch over the recent batches.",
            labels=["stat"],
        )
        if sizes:
            recent.add_metric(["mean"], sum(sizes) / len(sizes))
            recent.add_metric(["p50"], sizes[len(sizes) // 2])
            recent.add_metric(["max"], sizes[-1])
        yield recent
        if self._tracker is None:
            return
        tracker = self._tracker
        yield HistogramMetricFamily(
            "strongroom_ledger_lock_wait_seconds",
            "Time a batch waited for its balance row locks.",
            buckets=tracker.histogram(),
            sum_value=tracker.lock_wait_sum,
        )
        hot = tracker.hot_accounts(self._top_n)
        per_account = (
            ("batches", "Committed batches touching the account."),
            ("lock_wait_seconds", "The account's share of batch lock waits."),
            ("retries", "Transient failures of batches touching it."),
        )
        for name, doc in per_account:
            family = CounterMetricFamily(
                f"strongroom_ledger_account_{name}", f"{doc} (hottest accounts)", labels=["account"]
            )
            for entry in hot:
                family.add_metric([str(entry.account_id)], getattr(entry, name))
            yield family

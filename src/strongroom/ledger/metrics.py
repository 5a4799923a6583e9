"""Contention metrics: per-account lock waits and retries, and their Prometheus text export.

`ContentionTracker` is fed by the batch engine (`record_batch` after each committed batch,
`record_retry` after each transient failure). `render_prometheus` renders the engine's
`EngineStats`, its queue depth and the tracker into Prometheus text through a dedicated
registry, so nothing leaks into (or depends on) prometheus_client's global registry.

Imports nothing from strongroom at run time (the engine imports it); never services, api or cli.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    # Types only: the engine imports this module to feed the tracker.
    from strongroom.ledger.engine import EngineStats

#: Upper bounds (seconds) of the engine-wide lock wait histogram.
LOCK_WAIT_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)


@dataclass(slots=True)
class AccountContention:
    account_id: uuid.UUID
    #: Committed batches that touched the account.
    batches: int = 0
    #: The account's share of those batches' lock waits (a batch's wait split evenly over the
    #: accounts it locked, so the shares add up to the engine's total wait).
    lock_wait_seconds: float = 0.0
    #: Transient failures (deadlock, serialization, lock timeout) of batches touching it.
    retries: int = 0


class ContentionTracker:
    """Per-account contention counters and an engine-wide lock wait histogram."""

    def __init__(self, buckets: Sequence[float] = LOCK_WAIT_BUCKETS) -> None:
        self._bounds = tuple(sorted(buckets))
        self._counts = [0] * (len(self._bounds) + 1)
        self._accounts: dict[uuid.UUID, AccountContention] = {}
        self.lock_wait_sum = 0.0
        self.batches = 0
        self.retries = 0

    def _account(self, account_id: uuid.UUID) -> AccountContention:
        found = self._accounts.get(account_id)
        if found is None:
            found = self._accounts[account_id] = AccountContention(account_id)
        return found

    def record_batch(self, account_ids: Iterable[uuid.UUID], lock_wait_seconds: float) -> None:
        """One committed batch that locked `account_ids` and waited `lock_wait_seconds` for
        their rows."""
        if lock_wait_seconds < 0:
            raise ValueError("lock_wait_seconds must be >= 0")
        ids = set(account_ids)
        self.batches += 1
        self.lock_wait_sum += lock_wait_seconds
        self._counts[bisect.bisect_left(self._bounds, lock_wait_seconds)] += 1
        share = lock_wait_seconds / len(ids) if ids else 0.0
        for account_id in ids:
            entry = self._account(account_id)
            entry.batches += 1
            entry.lock_wait_seconds += share

    def record_retry(self, account_ids: Iterable[uuid.UUID]) -> None:
        """A batch touching `account_ids` failed transiently and will run again."""
        self.retries += 1
        for account_id in set(account_ids):
            self._account(account_id).retries += 1

    def get(self, account_id: uuid.UUID) -> AccountContention:
        return self._accounts.get(account_id) or AccountContention(account_id)

    def hot_accounts(self, top_n: int) -> list[AccountContention]:
        """The `top_n` accounts with the most lock wait, then retries, then batches."""
        ranked = sorted(
            self._accounts.values(),
            key=lambda a: (-a.lock_wait_seconds, -a.retries, -a.batches, a.account_id),
        )
        return ranked[: max(top_n, 0)]

    def histogram(self) -> list[tuple[str, int]]:
        """Cumulative (upper bound, count) pairs, ending with +Inf, as Prometheus wants them."""
        out: list[tuple[str, int]] = []
        running = 0
        for bound, count in zip((*self._bounds, float("inf")), self._counts, strict=True):
            running += count
            out.append(("+Inf" if bound == float("inf") else repr(bound), running))
        return out


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


def render_prometheus(
    engine: EngineView, tracker: ContentionTracker | None = None, top_n: int = 20
) -> bytes:
    """The engine's figures (and the tracker's, when given) as Prometheus text."""
    registry = CollectorRegistry()
    registry.register(LedgerCollector(engine, tracker, top_n))
    return generate_latest(registry)

"""The batch engine's counters: batch and retry totals (`EngineStats`) and per-account
contention (`ContentionTracker`, fed with `record_batch` after each committed batch and
`record_retry` after each transient failure). Plain data: rendering them is metrics.py's job.
"""

from __future__ import annotations

import bisect
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class EngineStats:
    batches: int = 0
    transfers: int = 0
    retries: int = 0
    #: Batches rerun with their ids looked up first, because one of them was stored already.
    reused_ids: int = 0
    #: Batches rerun with all buckets of a split account locked.
    escalations: int = 0
    #: Batches whose rules ran while the batch before them was still writing
    #: (strongroom.ledger.engine.chain), and batches that did so but found their admission
    #: moved on.
    chained: int = 0
    chain_misses: int = 0
    expired: int = 0
    resizes: int = 0
    lock_wait_seconds: float = 0.0
    batch_sizes: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))


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

"""Repair tools: reconcile bucket rows with the log, and rebuild snapshots from the log.

`reconcile` reads one page of accounts at a time in one consistent view, so it can run while the
ledger is live; with `fix=True` it rewrites the flagged accounts of a page in one transaction
that first locks all their bucket rows (see docs/ledger-engine.md). `snapshot_reset` recomputes
every snapshot from the log, reports what differed, and replaces them all. Both work through a
`RepairStore` (ledger/ports.py); open one with `strongroom.bootstrap.open_repair(url)`.

May import the ledger's ports and strongroom.clock; never strongroom.store, services, api or cli.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from strongroom.clock import Clock, SystemClock
from strongroom.ledger.ports import (
    COUNTER_NAMES,
    ZERO_COUNTERS,
    BucketProblem,
    Counters,
    RepairStore,
)

__all__ = [
    "BucketProblem",
    "Difference",
    "Progress",
    "ReconcileReport",
    "SnapshotDifference",
    "SnapshotResetReport",
    "reconcile",
    "snapshot_reset",
]

_FIX_ATTEMPTS = 5

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Difference:
    account_id: uuid.UUID
    counter: str
    stored: int
    expected: int


@dataclass(slots=True)
class ReconcileReport:
    accounts: int = 0
    differences: list[Difference] = field(default_factory=list)
    problems: list[BucketProblem] = field(default_factory=list)
    #: Accounts whose bucket rows were rewritten from the log.
    fixed: list[uuid.UUID] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences and not self.problems


def _differences(account_id: uuid.UUID, stored: Counters, expected: Counters) -> list[Difference]:
    return [
        Difference(account_id, name, have, want)
        for name, have, want in zip(COUNTER_NAMES, stored, expected, strict=True)
        if have != want
    ]


async def reconcile(
    store: RepairStore,
    *,
    fix: bool = False,
    page_size: int = 500,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> ReconcileReport:
    """Compare every account's summed bucket rows with the log's fold and check its bucket rows.

    `progress(n)` is called after each page with the number of accounts it held.
    """
    clock = clock or SystemClock()
    report = ReconcileReport()
    after: uuid.UUID | None = None
    while True:
        async with store.read() as view:
            page = await view.account_page(after, page_size)
            if not page:
                return report
            lo, hi = page[0], page[-1]
            stored = await view.stored_sums(lo, hi)
            expected = await view.folded(lo, hi)
            problems = await view.bucket_problems(lo, hi)
        flagged: set[uuid.UUID] = set()
        for account_id in page:
            diffs = _differences(
                account_id,
                stored.get(account_id, ZERO_COUNTERS),
                expected.get(account_id, ZERO_COUNTERS),
            )
            report.differences.extend(diffs)
            if diffs:
                flagged.add(account_id)
        report.problems.extend(problems)
        flagged.update(problem.account_id for problem in problems)
        if fix and flagged:
            await _rewrite(store, sorted(flagged), clock.now_ns())
            report.fixed.extend(sorted(flagged))
        report.accounts += len(page)
        if progress is not None:
            progress(len(page))
        after = hi


async def _rewrite(store: RepairStore, ids: list[uuid.UUID], now: int) -> None:
    """Rewrite `ids` from the log in one transaction; the fold is read after the locks, so it
    includes every batch that touched them."""
    for attempt in range(1, _FIX_ATTEMPTS + 1):
        try:
            async with store.rewrite() as rewrite:
                await rewrite.lock_accounts(ids)
                totals = await rewrite.folded_for(ids)
                await rewrite.rewrite_from_log({i: totals.get(i, ZERO_COUNTERS) for i in ids}, now)
            return
        except Exception as error:
            # A deadlock with a batch that locked in the other order: the batch retries too.
            if attempt == _FIX_ATTEMPTS or not store.is_transient(error):
                raise


@dataclass(frozen=True, slots=True)
class SnapshotDifference:
    seq: int
    account_id: uuid.UUID
    counter: str
    stored: int
    expected: int


@dataclass(slots=True)
class SnapshotResetReport:
    snapshots: int = 0
    differences: list[SnapshotDifference] = field(default_factory=list)


async def snapshot_reset(store: RepairStore) -> SnapshotResetReport:
    """Recompute every snapshot from the log (transfers with seq <= S, reservations held until
    their resolved_seq), report how the stored ones differed, and replace them all, in one
    transaction."""
    report = SnapshotResetReport()
    async with store.rebuild_snapshots() as rebuild:
        taken = await rebuild.list_snapshots()
        rebuilt = []
        for snapshot in taken:
            expected = await rebuild.fold_as_of(snapshot.seq)
            stored = await rebuild.snapshot_rows(snapshot.seq)
            for account_id in sorted(expected.keys() | stored.keys()):
                report.differences.extend(
                    SnapshotDifference(snapshot.seq, d.account_id, d.counter, d.stored, d.expected)
                    for d in _differences(
                        account_id,
                        stored.get(account_id, ZERO_COUNTERS),
                        expected.get(account_id, ZERO_COUNTERS),
                    )
                )
            rebuilt.append((snapshot, expected))
        await rebuild.delete_all()
        for snapshot, rows in rebuilt:
            await rebuild.insert_snapshot(snapshot, rows)
        report.snapshots = len(taken)
    return report

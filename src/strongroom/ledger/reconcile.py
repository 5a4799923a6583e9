"""Repair tools: reconcile bucket rows with the log, and rebuild snapshots from the log.

`reconcile` reads one page of accounts at a time in one consistent view, so it can run while the
ledger is live; with `fix=True` it rewrites the flagged accounts of a page in one transaction
that first locks all their bucket rows (see docs/ledger-engine.md). `snapshot_reset` recomputes
every snapshot from the log, reports what differed, and replaces them all.

May import strongroom.store and strongroom.clock; never services, api or cli.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from strongroom.clock import Clock, SystemClock
from strongroom.store import repair
from strongroom.store import snapshots as snapshot_sql
from strongroom.store.admin_db import AdminDb

COUNTERS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
_FIX_ATTEMPTS = 5

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Difference:
    account_id: uuid.UUID
    counter: str
    stored: int
    expected: int


@dataclass(frozen=True, slots=True)
class BucketProblem:
    account_id: uuid.UUID
    bucket: int | None
    problem: str


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


def _differences(
    account_id: uuid.UUID,
    stored: tuple[int, int, int, int],
    expected: tuple[int, int, int, int],
) -> list[Difference]:
    return [
        Difference(account_id, name, have, want)
        for name, have, want in zip(COUNTERS, stored, expected, strict=True)
        if have != want
    ]


async def reconcile(
    db: AdminDb,
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
        async with db.transaction("read") as conn:
            page = await repair.account_page(conn, after, page_size)
            if not page:
                return report
            lo, hi = page[0], page[-1]
            stored = await repair.stored_sums(conn, lo, hi)
            expected = await repair.folded(conn, lo, hi)
            problems = await repair.bucket_problems(conn, lo, hi)
        flagged: set[uuid.UUID] = set()
        for account_id in page:
            diffs = _differences(
                account_id,
                stored.get(account_id, snapshot_sql.ZERO),
                expected.get(account_id, snapshot_sql.ZERO),
            )
            report.differences.extend(diffs)
            if diffs:
                flagged.add(account_id)
        for account_id, bucket, problem in problems:
            report.problems.append(BucketProblem(account_id, bucket, problem))
            flagged.add(account_id)
        if fix and flagged:
            await _rewrite(db, sorted(flagged), clock.now_ns())
            report.fixed.extend(sorted(flagged))
        report.accounts += len(page)
        if progress is not None:
            progress(len(page))
        after = hi


async def _rewrite(db: AdminDb, ids: list[uuid.UUID], now: int) -> None:
    """Rewrite `ids` from the log in one transaction; the fold is read after the locks, so it
    includes every batch that touched them."""
    for attempt in range(1, _FIX_ATTEMPTS + 1):
        try:
            async with db.transaction("write") as conn:
                await repair.lock_accounts(conn, ids)
                totals = await repair.folded_for(conn, ids)
                await repair.rewrite_from_log(
                    conn, {i: totals.get(i, snapshot_sql.ZERO) for i in ids}, now
                )
            return
        except asyncpg.DeadlockDetectedError:
            # A batch locking account_buckets before bucket rows; the other side retries too.
            if attempt == _FIX_ATTEMPTS:
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


async def snapshot_reset(db: AdminDb) -> SnapshotResetReport:
    """Recompute every snapshot from the log (transfers with seq <= S, reservations held until
    their resolved_seq), report how the stored ones differed, and replace them all, in one
    transaction."""
    report = SnapshotResetReport()
    async with db.transaction("write") as conn:
        taken = await snapshot_sql.list_snapshots(conn)
        rebuilt = []
        for snapshot in taken:
            expected = await snapshot_sql.fold_as_of(conn, snapshot.seq)
            stored = await snapshot_sql.snapshot_rows(conn, snapshot.seq)
            for account_id in sorted(expected.keys() | stored.keys()):
                report.differences.extend(
                    SnapshotDifference(snapshot.seq, d.account_id, d.counter, d.stored, d.expected)
                    for d in _differences(
                        account_id,
                        stored.get(account_id, snapshot_sql.ZERO),
                        expected.get(account_id, snapshot_sql.ZERO),
                    )
                )
            rebuilt.append((snapshot, expected))
        await snapshot_sql.delete_all(conn)
        for snapshot, rows in rebuilt:
            await snapshot_sql.insert_snapshot(conn, snapshot, rows)
        report.snapshots = len(taken)
    return report

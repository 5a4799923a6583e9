"""Reconcile and snapshot-reset find corrupted rows exactly and repair them, on both backends;
a fix retries only what its store calls transient."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest

from strongroom.bootstrap import open_repair, open_snapshots
from strongroom.clock import ManualClock
from strongroom.ledger import Ledger, TransferFlags
from strongroom.ledger.ports import Counters
from strongroom.ledger.reconcile import (
    BucketProblem,
    Difference,
    SnapshotDifference,
    reconcile,
    snapshot_reset,
)
from strongroom.ledger.snapshots import Snapshots
from strongroom.store.admin_db import AdminDb
from strongroom.store.snapshots import SnapshotTransaction
from strongroom.store.urls import parse_url
from tests.ledger.helpers import account, counters, open_accounts, transfer


async def all_snapshot_rows(db: AdminDb) -> dict[int, dict[uuid.UUID, tuple[int, ...]]]:
    async with db.transaction("read") as conn:
        rows = SnapshotTransaction(conn)
        return {s.seq: dict(await rows.snapshot_rows(s.seq)) for s in await rows.list_snapshots()}


async def busy_ledger(ledger: Ledger, snapshots: Snapshots, clock: ManualClock) -> list[uuid.UUID]:
    """Payments and reservations (held, posted, voided, expired) with a snapshot between each."""
    a, b, c = await open_accounts(ledger, account(), account(), account())
    held = transfer(a, b, 30, TransferFlags.PENDING)
    posted = transfer(b, c, 20, TransferFlags.PENDING)
    voided = transfer(c, a, 10, TransferFlags.PENDING)
    expiring = transfer(a, c, 5, TransferFlags.PENDING, timeout=1)
    await ledger.create_transfers([transfer(a, b, 100), held, posted, voided, expiring])
    await snapshots.take()
    await ledger.create_transfers(
        [
            transfer(b, c, 0, TransferFlags.POST_PENDING, pending_id=posted.id),
            transfer(c, a, 0, TransferFlags.VOID_PENDING, pending_id=voided.id),
        ]
    )
    await snapshots.take()
    clock.advance(2)
    assert await ledger.expire_pending() == 1
    await ledger.create_transfers([transfer(c, b, 7)])
    await snapshots.take()
    return [a, b, c]


async def test_reconcile_finds_and_fixes_corrupted_buckets(
    ledger: Ledger, db_url: str, clock: ManualClock
) -> None:
    async with (
        await open_snapshots(db_url, clock=clock) as snapshots,
        await open_repair(db_url) as repair,
        await AdminDb.open(parse_url(db_url)) as db,
    ):
        a, b, c = await busy_ledger(ledger, snapshots, clock)
        before = {i: await counters(ledger, i) for i in (a, b, c)}
        assert (await reconcile(repair)).clean
        async with db.transaction("write") as conn:
            await conn.execute(
                "UPDATE account_balances SET debits_posted = debits_posted + 13"
                " WHERE account_id = $1 AND bucket = 0",
                a,
            )
            await conn.execute(
                "INSERT INTO account_balances (account_id, bucket, debits_pending,"
                " debits_posted, credits_pending, credits_posted) VALUES ($1, 3, 0, 0, 0, 5)",
                b,
            )
            await conn.execute(
                "UPDATE pending_transfers SET debit_bucket = 2 WHERE state = 'pending'"
            )
            # Pinned by an operator: the rewrite into one bucket undoes what the pin held.
            await conn.execute(
                "INSERT INTO account_buckets (account_id, buckets, resized_at, pinned)"
                " VALUES ($1, 1, 0, true)",
                a,
            )
        found = await reconcile(repair)
        assert found.accounts == 3
        assert sorted(found.differences, key=lambda d: d.account_id) == sorted(
            [
                Difference(a, "debits_posted", before[a][1] + 13, before[a][1]),
                Difference(b, "credits_posted", before[b][3] + 5, before[b][3]),
            ],
            key=lambda d: d.account_id,
        )
        assert sorted(found.problems, key=lambda p: p.account_id) == sorted(
            [
                BucketProblem(b, 3, "bucket outside 0..0"),
                BucketProblem(a, 2, "held reservation names a missing bucket"),
            ],
            key=lambda p: p.account_id,
        )
        assert found.fixed == []
        seen: list[int] = []
        fixed = await reconcile(repair, fix=True, page_size=2, clock=clock, progress=seen.append)
        assert seen == [2, 1]
        assert fixed.differences == found.differences
        assert sorted(fixed.fixed) == sorted([a, b])
        assert (await reconcile(repair)).clean
        assert {i: await counters(ledger, i) for i in (a, b, c)} == before
        async with db.transaction("read") as conn:
            rows = await conn.fetch(
                "SELECT buckets, resized_at, pinned FROM account_buckets ORDER BY account_id"
            )
            assert [(b, at, bool(p)) for b, at, p in rows] == [(1, clock.now_ns(), False)] * 2
        # The ledger goes on working on the repaired rows.
        await ledger.create_transfers([transfer(b, a, 1)])
        assert (await reconcile(repair)).clean


async def test_snapshot_reset_rebuilds_the_originals(
    ledger: Ledger, db_url: str, clock: ManualClock
) -> None:
    async with (
        await open_snapshots(db_url, clock=clock) as snapshots,
        await open_repair(db_url) as repair,
        await AdminDb.open(parse_url(db_url)) as db,
    ):
        await busy_ledger(ledger, snapshots, clock)
        originals = await all_snapshot_rows(db)
        assert len(originals) == 3
        report = await snapshot_reset(repair)
        assert (report.snapshots, report.differences) == (3, [])
        assert await all_snapshot_rows(db) == originals
        assert [s.taken_at for s in await snapshots.list()] == [clock.now_ns() - 2 * 10**9] * 2 + [
            clock.now_ns()
        ]


async def test_snapshot_reset_finds_and_repairs_a_corrupted_row(
    ledger: Ledger, db_url: str, clock: ManualClock
) -> None:
    async with (
        await open_snapshots(db_url, clock=clock) as snapshots,
        await open_repair(db_url) as repair,
        await AdminDb.open(parse_url(db_url)) as db,
    ):
        a, b, _ = await busy_ledger(ledger, snapshots, clock)
        originals = await all_snapshot_rows(db)
        middle = sorted(originals)[1]
        async with db.transaction("write") as conn:
            await conn.execute(
                "UPDATE balance_snapshots SET credits_posted = credits_posted + 9"
                " WHERE seq = $1 AND account_id = $2",
                middle,
                b,
            )
            await conn.execute(
                "DELETE FROM balance_snapshots WHERE seq = $1 AND account_id = $2", middle, a
            )
        report = await snapshot_reset(repair)
        want_b = originals[middle][b]
        want_a = originals[middle][a]
        assert sorted(report.differences, key=lambda d: (d.account_id, d.counter)) == sorted(
            [SnapshotDifference(middle, b, "credits_posted", want_b[3] + 9, want_b[3])]
            + [
                SnapshotDifference(middle, a, name, 0, value)
                for name, value in zip(
                    ("debits_pending", "debits_posted", "credits_pending", "credits_posted"),
                    want_a,
                    strict=True,
                )
                if value
            ],
            key=lambda d: (d.account_id, d.counter),
        )
        assert await all_snapshot_rows(db) == originals
        assert (await snapshot_reset(repair)).differences == []


class Deadlock(Exception):
    pass


class OneAccountRepair:
    """Enough of a `RepairStore` for a fix, without a database: one account whose bucket rows are
    off by one, and whose rewrite fails with the errors in `failures` first."""

    def __init__(self, failures: list[Exception]) -> None:
        self.account_id = uuid.uuid4()
        self.failures = failures
        self.rewrites: list[dict[uuid.UUID, Counters]] = []

    @asynccontextmanager
    async def read(self) -> AsyncIterator[OneAccountRepair]:
        yield self

    @asynccontextmanager
    async def rewrite(self) -> AsyncIterator[OneAccountRepair]:
        if self.failures:
            raise self.failures.pop(0)
        yield self

    async def account_page(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        return [self.account_id] if after is None else []

    async def stored_sums(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        return {self.account_id: (0, 1, 0, 0)}

    async def folded(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        return {}

    async def bucket_problems(self, lo: uuid.UUID, hi: uuid.UUID) -> list[BucketProblem]:
        return []

    async def lock_accounts(self, ids: Sequence[uuid.UUID]) -> None:
        pass

    async def folded_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Counters]:
        return {}

    async def rewrite_from_log(self, totals: dict[uuid.UUID, Counters], now: int) -> None:
        self.rewrites.append(totals)

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, Deadlock)


async def test_a_fix_retries_a_transient_failure_and_no_other() -> None:
    store = OneAccountRepair([Deadlock(), Deadlock()])
    report = await reconcile(store, fix=True)
    assert report.fixed == [store.account_id]
    assert store.rewrites == [{store.account_id: (0, 0, 0, 0)}]

    store = OneAccountRepair([Deadlock()] * 5)
    with pytest.raises(Deadlock):
        await reconcile(store, fix=True)
    assert store.rewrites == []

    store = OneAccountRepair([RuntimeError("disk full"), Deadlock()])
    with pytest.raises(RuntimeError, match="disk full"):
        await reconcile(store, fix=True)
    assert store.failures, "no retry after an error that is not transient"

"""Reconcile and snapshot reset on either backend: stored bucket sums against the log's fold,
bucket-row checks, rewrites from the log. Implements the ledger's `RepairStore` (and its
`RepairView`, `BucketRewrite` and `SnapshotRebuild` transactions) over `AdminDb`.

Accounts are visited in id pages; a page's range [lo, hi] restricts every query, so each page
reads through the (account, seq) indexes instead of the whole log.

Imports strongroom.store and the ledger's ports; the ledger-level API is
strongroom.ledger.reconcile.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self

import asyncpg

from strongroom.ledger.ports import BucketedAccount, BucketProblem, Counters
from strongroom.store.admin_db import AdminConn, AdminDb
from strongroom.store.checks import fold_sql
from strongroom.store.snapshots import SnapshotTransaction

_FOLD_RANGE = fold_sql(where="{acct} >= $1 AND {acct} <= $2")

_STORED_RANGE = """
SELECT a.id, SUM(b.debits_pending), SUM(b.debits_posted), SUM(b.credits_pending),
       SUM(b.credits_posted)
FROM accounts a LEFT JOIN account_balances b ON b.account_id = a.id
WHERE a.id >= $1 AND a.id <= $2 GROUP BY a.id
"""

#: (account, bucket, problem) for bucket rows that break the bucket rules.
_BAD_ROWS = """
SELECT b.account_id, b.bucket,
       CASE WHEN b.debits_pending < 0 OR b.debits_posted < 0 OR b.credits_pending < 0
                 OR b.credits_posted < 0 THEN 'negative counter'
            ELSE 'bucket outside 0..' || CAST(COALESCE(k.buckets, 1) - 1 AS TEXT) END
FROM account_balances b LEFT JOIN account_buckets k ON k.account_id = b.account_id
WHERE b.account_id >= $1 AND b.account_id <= $2
  AND (b.bucket < 0 OR b.bucket >= COALESCE(k.buckets, 1)
       OR b.debits_pending < 0 OR b.debits_posted < 0 OR b.credits_pending < 0
       OR b.credits_posted < 0)
ORDER BY b.account_id, b.bucket
"""

_MISSING_BUCKET_ZERO = """
SELECT a.id FROM accounts a
WHERE a.id >= $1 AND a.id <= $2 AND NOT EXISTS (
    SELECT 1 FROM account_balances b WHERE b.account_id = a.id AND b.bucket = 0)
ORDER BY a.id
"""

#: Held reservations that name a bucket the account does not have.
_BAD_PENDING_BUCKETS = """
SELECT p.debit_account_id, p.debit_bucket FROM pending_transfers p
LEFT JOIN account_buckets k ON k.account_id = p.debit_account_id
WHERE p.state = 'pending' AND p.debit_account_id >= $1 AND p.debit_account_id <= $2
  AND (p.debit_bucket < 0 OR p.debit_bucket >= COALESCE(k.buckets, 1))
UNION ALL
SELECT p.credit_account_id, p.credit_bucket FROM pending_transfers p
LEFT JOIN account_buckets k ON k.account_id = p.credit_account_id
WHERE p.state = 'pending' AND p.credit_account_id >= $1 AND p.credit_account_id <= $2
  AND (p.credit_bucket < 0 OR p.credit_bucket >= COALESCE(k.buckets, 1))
"""


def _counters(row: Sequence[Any]) -> Counters:
    return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))


class RepairTransaction:
    """Reconcile SQL on one connection inside one transaction: a `RepairView` in a read
    transaction, a `BucketRewrite` in a write transaction."""

    def __init__(self, conn: AdminConn) -> None:
        self._conn = conn

    async def count_accounts(self) -> int:
        row = await self._conn.fetchrow("SELECT COUNT(*) FROM accounts")
        return int(row[0]) if row else 0

    async def account_page(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        if after is None:
            rows = await self._conn.fetch("SELECT id FROM accounts ORDER BY id LIMIT $1", limit)
        else:
            rows = await self._conn.fetch(
                "SELECT id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2", after, limit
            )
        return [self._conn.id_out(r[0]) for r in rows]

    async def stored_sums(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        rows = await self._conn.fetch(_STORED_RANGE, lo, hi)
        return {self._conn.id_out(r[0]): _counters(r[1:]) for r in rows}

    async def folded(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        rows = await self._conn.fetch(_FOLD_RANGE, lo, hi)
        return {self._conn.id_out(r[0]): _counters(r[1:]) for r in rows}

    async def bucket_problems(self, lo: uuid.UUID, hi: uuid.UUID) -> list[BucketProblem]:
        id_out = self._conn.id_out
        problems = [
            BucketProblem(id_out(r[0]), int(r[1]), str(r[2]))
            for r in await self._conn.fetch(_BAD_ROWS, lo, hi)
        ]
        problems.extend(
            BucketProblem(id_out(r[0]), 0, "missing bucket 0")
            for r in await self._conn.fetch(_MISSING_BUCKET_ZERO, lo, hi)
        )
        problems.extend(
            BucketProblem(id_out(r[0]), int(r[1]), "held reservation names a missing bucket")
            for r in await self._conn.fetch(_BAD_PENDING_BUCKETS, lo, hi)
        )
        return problems

    async def bucketed_accounts(self, limit: int) -> list[BucketedAccount]:
        # Accounts without an account_buckets row have the default single bucket.
        rows = await self._conn.fetch(
            "SELECT account_id, buckets, resized_at, hot_at, pinned FROM account_buckets"
            " ORDER BY buckets DESC, account_id LIMIT $1",
            limit,
        )
        return [
            BucketedAccount(self._conn.id_out(r[0]), int(r[1]), int(r[2]), int(r[3]), bool(r[4]))
            for r in rows
        ]

    async def lock_accounts(self, ids: Sequence[uuid.UUID]) -> None:
        conn = self._conn
        where, args = conn.ids("account_id", 1, ids)
        await conn.fetch(
            f"SELECT account_id FROM account_balances WHERE {where}"
            f" ORDER BY account_id, bucket{conn.for_update}",
            *args,
        )
        await conn.fetch(
            f"SELECT account_id FROM account_buckets WHERE {where}"
            f" ORDER BY account_id{conn.for_update}",
            *args,
        )

    async def folded_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Counters]:
        where, args = self._conn.ids("{acct}", 1, ids)
        rows = await self._conn.fetch(fold_sql(where=where), *args)
        return {self._conn.id_out(r[0]): _counters(r[1:]) for r in rows}

    async def rewrite_from_log(self, totals: dict[uuid.UUID, Counters], now: int) -> None:
        conn = self._conn
        ids = sorted(totals)
        where, args = conn.ids("account_id", 1, ids)
        await conn.execute(f"DELETE FROM account_balances WHERE {where} AND bucket <> 0", *args)
        await conn.executemany(
            "INSERT INTO account_balances (account_id, bucket, debits_pending, debits_posted,"
            " credits_pending, credits_posted) VALUES ($1, 0, $2, $3, $4, $5)"
            " ON CONFLICT (account_id, bucket) DO UPDATE SET"
            " debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,"
            " credits_pending = excluded.credits_pending,"
            " credits_posted = excluded.credits_posted",
            [(i, *totals[i]) for i in ids],
        )
        # A pin held a bucket count this rewrite has just undone: it no longer says anything.
        await conn.executemany(
            "INSERT INTO account_buckets (account_id, buckets, resized_at) VALUES ($1, 1, $2)"
            " ON CONFLICT (account_id) DO UPDATE SET buckets = 1, pinned = false,"
            " resized_at = excluded.resized_at",
            [(i, now) for i in ids],
        )
        for side in ("debit", "credit"):
            where, args = conn.ids(f"{side}_account_id", 1, ids)
            await conn.execute(
                f"UPDATE pending_transfers SET {side}_bucket = 0"
                f" WHERE {where} AND state = 'pending' AND {side}_bucket <> 0",
                *args,
            )


class SqlRepairStore:
    """The ledger's `RepairStore` on an `AdminDb` of its own; closing it closes the db."""

    def __init__(self, db: AdminDb) -> None:
        self._db = db

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def is_transient(self, error: BaseException) -> bool:
        # A batch locks account_buckets before bucket rows, a rewrite the other way round;
        # PostgreSQL aborts one of them and the batch side retries too. SQLite has one writer.
        return isinstance(error, asyncpg.DeadlockDetectedError)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[RepairTransaction]:
        async with self._db.transaction("read") as conn:
            yield RepairTransaction(conn)

    @asynccontextmanager
    async def rewrite(self) -> AsyncIterator[RepairTransaction]:
        async with self._db.transaction("write") as conn:
            yield RepairTransaction(conn)

    @asynccontextmanager
    async def rebuild_snapshots(self) -> AsyncIterator[SnapshotTransaction]:
        async with self._db.transaction("write") as conn:
            yield SnapshotTransaction(conn)

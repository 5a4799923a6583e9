"""Balance snapshots on either backend: the watermark, the copy, point-in-time reads and the
rebuild. Implements the ledger's `SnapshotStore` (and the `SnapshotView` and `SnapshotRebuild`
transactions) over `AdminDb`.

A snapshot with seq S holds, for every account whose counters are not all zero, its counters
after exactly the transfers (and expiries) with seq <= S. See docs/ledger-engine.md for why the
watermark procedure below yields such an S on a live database.

Imports strongroom.store and the ledger's ports; the ledger-level API is
strongroom.ledger.snapshots.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from strongroom.ledger.ports import (
    SEQ_BLOCK_BITS,
    ZERO_COUNTERS,
    Counters,
    Snapshot,
    WatermarkBusy,
)
from strongroom.store.admin_db import AdminConn, AdminDb
from strongroom.store.checks import fold_sql
from strongroom.store.postgres import SEQ_LOCK_KEY


def watermark(block: int) -> int:
    """The last seq of `block`: once no batch holds a block <= `block`, the log up to here is
    final."""
    return ((block + 1) << SEQ_BLOCK_BITS) - 1


_NONZERO = (
    "SUM(debits_pending) <> 0 OR SUM(debits_posted) <> 0"
    " OR SUM(credits_pending) <> 0 OR SUM(credits_posted) <> 0"
)

# `WHERE 1 = 1` lets SQLite parse INSERT ... SELECT ... ON CONFLICT.
_INSERT_SNAPSHOT = f"""
INSERT INTO snapshots (seq, taken_at, accounts)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), COUNT(*) FROM (
    SELECT account_id FROM account_balances GROUP BY account_id HAVING {_NONZERO}
) AS live WHERE 1 = 1
ON CONFLICT (seq) DO NOTHING
"""

_COPY_BALANCES = f"""
INSERT INTO balance_snapshots
    (seq, account_id, debits_pending, debits_posted, credits_pending, credits_posted)
SELECT CAST($1 AS BIGINT), account_id, SUM(debits_pending), SUM(debits_posted),
       SUM(credits_pending), SUM(credits_posted)
FROM account_balances GROUP BY account_id HAVING {_NONZERO}
"""

#: Counters as of seq $1: reservations count until the seq that resolved them.
_FOLD_AS_OF = fold_sql(where="t.seq <= $1", held="(p.resolved_seq IS NULL OR p.resolved_seq > $1)")

_SNAPSHOT_COLUMNS = "seq, taken_at, accounts"


class SnapshotTransaction:
    """Snapshot SQL on one connection inside one transaction: a `SnapshotView` in a read
    transaction, a `SnapshotRebuild` in a write transaction."""

    def __init__(self, conn: AdminConn) -> None:
        self._conn = conn

    async def copy(self, seq: int, now: int) -> Snapshot:
        """Record snapshot `seq` from the bucket rows this transaction sees (nothing when it
        exists already)."""
        if await self._conn.execute(_INSERT_SNAPSHOT, seq, now):
            await self._conn.execute(_COPY_BALANCES, seq)
        found = await self.snapshot_at_or_below(seq)
        assert found is not None
        assert found.seq == seq
        return found

    async def snapshot_at_or_below(self, seq: int) -> Snapshot | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
            seq,
        )
        return Snapshot(int(row[0]), int(row[1]), int(row[2])) if row else None

    async def list_snapshots(self) -> list[Snapshot]:
        rows = await self._conn.fetch(f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots ORDER BY seq")
        return [Snapshot(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def snapshot_counters(self, seq: int, account_id: uuid.UUID) -> Counters:
        row = await self._conn.fetchrow(
            "SELECT debits_pending, debits_posted, credits_pending, credits_posted"
            " FROM balance_snapshots WHERE seq = $1 AND account_id = $2",
            seq,
            account_id,
        )
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else ZERO_COUNTERS

    async def log_between(self, account_id: uuid.UUID, after: int, upto: int) -> Counters:
        moved = await self._conn.fetchrow(
            "SELECT"
            " SUM(CASE WHEN debit_account_id = $1 AND (flags & 2) <> 0 THEN amount ELSE 0 END),"
            " SUM(CASE WHEN debit_account_id = $1 AND (flags & 10) = 0 THEN amount ELSE 0 END),"
            " SUM(CASE WHEN credit_account_id = $1 AND (flags & 2) <> 0 THEN amount ELSE 0 END),"
            " SUM(CASE WHEN credit_account_id = $1 AND (flags & 10) = 0 THEN amount ELSE 0 END)"
            " FROM transfers WHERE (debit_account_id = $1 OR credit_account_id = $1)"
            " AND seq > $2 AND seq <= $3",
            account_id,
            after,
            upto,
        )
        released = await self._conn.fetchrow(
            "SELECT SUM(CASE WHEN debit_account_id = $1 THEN amount ELSE 0 END),"
            " SUM(CASE WHEN credit_account_id = $1 THEN amount ELSE 0 END)"
            " FROM pending_transfers WHERE (debit_account_id = $1 OR credit_account_id = $1)"
            " AND resolved_seq > $2 AND resolved_seq <= $3",
            account_id,
            after,
            upto,
        )
        assert moved is not None
        assert released is not None
        debits_pending, debits_posted, credits_pending, credits_posted = (
            int(v or 0) for v in moved
        )
        return (
            debits_pending - int(released[0] or 0),
            debits_posted,
            credits_pending - int(released[1] or 0),
            credits_posted,
        )

    async def seq_at_timestamp(self, timestamp: int) -> int:
        row = await self._conn.fetchrow(
            "SELECT MAX(seq) FROM transfers WHERE timestamp <= $1", timestamp
        )
        return int(row[0]) if row and row[0] is not None else 0

    async def latest_block_watermark(self) -> int:
        if self._conn.kind == "sqlite":
            return watermark(await self.sqlite_block())
        row = await self._conn.fetchrow("SELECT last_value, is_called FROM transfer_block_seq")
        assert row is not None
        return watermark(int(row[0]) if row[1] else 0)

    async def sqlite_block(self) -> int:
        """The last block a SQLite batch drew."""
        row = await self._conn.fetchrow(
            "SELECT value FROM ledger_counters WHERE name = 'transfer_block'"
        )
        assert row is not None
        return int(row[0])

    async def fold_as_of(self, seq: int) -> dict[uuid.UUID, Counters]:
        out: dict[uuid.UUID, Counters] = {}
        for r in await self._conn.fetch(_FOLD_AS_OF, seq):
            counters = (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
            if counters != ZERO_COUNTERS:
                out[self._conn.id_out(r[0])] = counters
        return out

    async def snapshot_rows(self, seq: int) -> dict[uuid.UUID, Counters]:
        rows = await self._conn.fetch(
            "SELECT account_id, debits_pending, debits_posted, credits_pending, credits_posted"
            " FROM balance_snapshots WHERE seq = $1",
            seq,
        )
        return {self._conn.id_out(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def delete_all(self) -> None:
        await self._conn.execute("DELETE FROM balance_snapshots")
        await self._conn.execute("DELETE FROM snapshots")

    async def insert_snapshot(self, snapshot: Snapshot, rows: dict[uuid.UUID, Counters]) -> None:
        await self._conn.execute(
            "INSERT INTO snapshots (seq, taken_at, accounts) VALUES ($1, $2, $3)",
            snapshot.seq,
            snapshot.taken_at,
            len(rows),
        )
        await self._conn.executemany(
            "INSERT INTO balance_snapshots (seq, account_id, debits_pending, debits_posted,"
            " credits_pending, credits_posted) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                (snapshot.seq, account_id, *counters)
                for account_id, counters in sorted(rows.items())
            ],
        )


class SqlSnapshotStore:
    """The ledger's `SnapshotStore` on an `AdminDb` of its own; closing it closes the db."""

    def __init__(self, db: AdminDb) -> None:
        self._db = db

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SnapshotTransaction]:
        async with self._db.transaction("read") as conn:
            yield SnapshotTransaction(conn)

    async def take(self, now: int, lock_timeout: float | None) -> Snapshot:
        """`lock_timeout` applies to PostgreSQL only: SQLite's busy timeout bounds its wait."""
        if self._db.kind == "sqlite":
            # One writer: inside a write transaction no batch is in flight.
            async with self._db.transaction("write") as conn:
                snapshots = SnapshotTransaction(conn)
                return await snapshots.copy(watermark(await snapshots.sqlite_block()), now)
        pool = self._db.pool
        async with pool.acquire() as a, pool.acquire() as b:
            reader = b.transaction(isolation="repeatable_read")
            async with a.transaction():
                if lock_timeout is not None:
                    await a.execute(f"SET LOCAL lock_timeout = {int(lock_timeout * 1000)}")
                try:
                    # Exclusive: waits for every batch holding a block (shared) to end, and keeps
                    # new batches from drawing one until this transaction ends.
                    await a.execute("SELECT pg_advisory_xact_lock($1)", SEQ_LOCK_KEY)
                except asyncpg.LockNotAvailableError:
                    raise WatermarkBusy("a write batch held the sequence lock too long") from None
                last, called = await a.fetchrow(
                    "SELECT last_value, is_called FROM transfer_block_seq"
                )
                seq = watermark(int(last) if called else 0)
                await reader.start()
                # REPEATABLE READ takes its snapshot at the first statement: now, under the lock.
                await b.execute("SELECT 1")
            # The lock is released: writers resume while `b` copies from its snapshot.
            try:
                snapshot = await SnapshotTransaction(AdminConn("postgresql", b)).copy(seq, now)
            except BaseException:
                await reader.rollback()
                raise
            await reader.commit()
            return snapshot

"""SQL for balance snapshots: the watermark, the copy, point-in-time reads and the rebuild.

A snapshot with seq S holds, for every account whose counters are not all zero, its counters
after exactly the transfers (and expiries) with seq <= S. See docs/ledger-engine.md for why the
watermark procedure below yields such an S on a live database.

Imports only strongroom.store; the ledger-level API is strongroom.ledger.snapshots.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from strongroom.errors import StorageError
from strongroom.ledger.ports import SEQ_BLOCK_BITS
from strongroom.store.admin_db import AdminConn, AdminDb
from strongroom.store.checks import fold_sql
from strongroom.store.postgres import SEQ_LOCK_KEY

Counters = tuple[int, int, int, int]
ZERO: Counters = (0, 0, 0, 0)


class WatermarkBusy(StorageError):
    """The watermark lock was not granted in time: a write batch stayed open (try again)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int
    taken_at: int
    accounts: int


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
FOLD_AS_OF = fold_sql(where="t.seq <= $1", held="(p.resolved_seq IS NULL OR p.resolved_seq > $1)")

_SNAPSHOT_COLUMNS = "seq, taken_at, accounts"


async def _copy(conn: AdminConn, seq: int, now: int) -> Snapshot:
    if await conn.execute(_INSERT_SNAPSHOT, seq, now):
        await conn.execute(_COPY_BALANCES, seq)
    found = await snapshot_at_or_below(conn, seq)
    assert found is not None
    assert found.seq == seq
    return found


async def take(db: AdminDb, now: int, lock_timeout: float | None = None) -> Snapshot:
    """Record a snapshot as of the current watermark; an existing one when nothing moved since.

    `lock_timeout` (PostgreSQL): seconds to wait for open write batches to end before raising
    WatermarkBusy; None waits as long as they take.
    """
    if db.kind == "sqlite":
        # One writer: inside a write transaction no batch is in flight.
        async with db.transaction("write") as conn:
            row = await conn.fetchrow(
                "SELECT value FROM ledger_counters WHERE name = 'transfer_block'"
            )
            assert row is not None
            return await _copy(conn, watermark(int(row[0])), now)
    async with db.pool.acquire() as a, db.pool.acquire() as b:
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
            last, called = await a.fetchrow("SELECT last_value, is_called FROM transfer_block_seq")
            seq = watermark(int(last) if called else 0)
            await reader.start()
            # REPEATABLE READ takes its snapshot at the first statement: now, under the lock.
            await b.execute("SELECT 1")
        # The lock is released: writers resume while `b` copies from its snapshot.
        try:
            snapshot = await _copy(AdminConn("postgresql", b), seq, now)
        except BaseException:
            await reader.rollback()
            raise
        await reader.commit()
        return snapshot


async def snapshot_at_or_below(conn: AdminConn, seq: int) -> Snapshot | None:
    row = await conn.fetchrow(
        f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
        seq,
    )
    return Snapshot(int(row[0]), int(row[1]), int(row[2])) if row else None


async def list_snapshots(conn: AdminConn) -> list[Snapshot]:
    rows = await conn.fetch(f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots ORDER BY seq")
    return [Snapshot(int(r[0]), int(r[1]), int(r[2])) for r in rows]


async def snapshot_counters(conn: AdminConn, seq: int, account_id: uuid.UUID) -> Counters:
    row = await conn.fetchrow(
        "SELECT debits_pending, debits_posted, credits_pending, credits_posted"
        " FROM balance_snapshots WHERE seq = $1 AND account_id = $2",
        seq,
        account_id,
    )
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else ZERO


async def log_between(conn: AdminConn, account_id: uuid.UUID, after: int, upto: int) -> Counters:
    """What the log moved on the account over seq in (after, upto]: reservations made there
    are added, reservations resolved there (by post, void or expiry) are taken off."""
    moved = await conn.fetchrow(
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
    released = await conn.fetchrow(
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
    dp, dpo, cp, cpo = (int(v or 0) for v in moved)
    return (dp - int(released[0] or 0), dpo, cp - int(released[1] or 0), cpo)


async def seq_at_timestamp(conn: AdminConn, timestamp: int) -> int:
    """The largest seq of a transfer stamped at or before `timestamp` (0: none)."""
    row = await conn.fetchrow("SELECT MAX(seq) FROM transfers WHERE timestamp <= $1", timestamp)
    return int(row[0]) if row and row[0] is not None else 0


async def latest_block_watermark(conn: AdminConn) -> int:
    """The highest seq any batch may have used so far (committed or not)."""
    if conn.kind == "sqlite":
        row = await conn.fetchrow("SELECT value FROM ledger_counters WHERE name = 'transfer_block'")
        assert row is not None
        return watermark(int(row[0]))
    row = await conn.fetchrow("SELECT last_value, is_called FROM transfer_block_seq")
    assert row is not None
    return watermark(int(row[0]) if row[1] else 0)


async def fold_as_of(conn: AdminConn, seq: int) -> dict[uuid.UUID, Counters]:
    """Every account's counters after the log up to `seq`, leaving out all-zero accounts (as
    snapshots do)."""
    out: dict[uuid.UUID, Counters] = {}
    for r in await conn.fetch(FOLD_AS_OF, seq):
        counters = (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
        if counters != ZERO:
            out[conn.id_out(r[0])] = counters
    return out


async def snapshot_rows(conn: AdminConn, seq: int) -> dict[uuid.UUID, Counters]:
    rows = await conn.fetch(
        "SELECT account_id, debits_pending, debits_posted, credits_pending, credits_posted"
        " FROM balance_snapshots WHERE seq = $1",
        seq,
    )
    return {conn.id_out(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


async def delete_all(conn: AdminConn) -> None:
    await conn.execute("DELETE FROM balance_snapshots")
    await conn.execute("DELETE FROM snapshots")


async def insert_snapshot(
    conn: AdminConn, snapshot: Snapshot, rows: dict[uuid.UUID, Counters]
) -> None:
    await conn.execute(
        "INSERT INTO snapshots (seq, taken_at, accounts) VALUES ($1, $2, $3)",
        snapshot.seq,
        snapshot.taken_at,
        len(rows),
    )
    await conn.executemany(
        "INSERT INTO balance_snapshots (seq, account_id, debits_pending, debits_posted,"
        " credits_pending, credits_posted) VALUES ($1, $2, $3, $4, $5, $6)",
        [(snapshot.seq, account_id, *counters) for account_id, counters in sorted(rows.items())],
    )

"""SQL for reconcile: stored bucket sums against the log's fold, bucket-row checks, rewrites.

Accounts are visited in id pages; a page's range [lo, hi] restricts every query, so each page
reads through the (account, seq) indexes instead of the whole log.

Imports only strongroom.store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from strongroom.store.admin_db import AdminConn
from strongroom.store.checks import fold_sql

Counters = tuple[int, int, int, int]

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


async def count_accounts(conn: AdminConn) -> int:
    row = await conn.fetchrow("SELECT COUNT(*) FROM accounts")
    return int(row[0]) if row else 0


async def account_page(conn: AdminConn, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    if after is None:
        rows = await conn.fetch("SELECT id FROM accounts ORDER BY id LIMIT $1", limit)
    else:
        rows = await conn.fetch(
            "SELECT id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2", after, limit
        )
    return [conn.id_out(r[0]) for r in rows]


async def stored_sums(conn: AdminConn, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
    """Each account's counters summed over its bucket rows (zero with no rows at all)."""
    rows = await conn.fetch(_STORED_RANGE, lo, hi)
    return {conn.id_out(r[0]): _counters(r[1:]) for r in rows}


async def folded(conn: AdminConn, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
    """Each account's counters folded from the log (reservations held while pending)."""
    rows = await conn.fetch(_FOLD_RANGE, lo, hi)
    return {conn.id_out(r[0]): _counters(r[1:]) for r in rows}


async def bucket_problems(
    conn: AdminConn, lo: uuid.UUID, hi: uuid.UUID
) -> list[tuple[uuid.UUID, int | None, str]]:
    problems: list[tuple[uuid.UUID, int | None, str]] = [
        (conn.id_out(r[0]), int(r[1]), str(r[2])) for r in await conn.fetch(_BAD_ROWS, lo, hi)
    ]
    problems.extend(
        (conn.id_out(r[0]), 0, "missing bucket 0")
        for r in await conn.fetch(_MISSING_BUCKET_ZERO, lo, hi)
    )
    problems.extend(
        (conn.id_out(r[0]), int(r[1]), "held reservation names a missing bucket")
        for r in await conn.fetch(_BAD_PENDING_BUCKETS, lo, hi)
    )
    return problems


async def lock_accounts(conn: AdminConn, ids: Sequence[uuid.UUID]) -> None:
    """Lock every bucket row of `ids` (account, bucket order, as batches do), then their
    account_buckets rows: no batch touches these accounts until the transaction ends."""
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


async def folded_for(conn: AdminConn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Counters]:
    where, args = conn.ids("{acct}", 1, ids)
    rows = await conn.fetch(fold_sql(where=where), *args)
    return {conn.id_out(r[0]): _counters(r[1:]) for r in rows}


async def rewrite_from_log(conn: AdminConn, totals: dict[uuid.UUID, Counters], now: int) -> None:
    """Bucket 0 := the folded totals, other buckets gone, one bucket from `now`, and held
    reservations moved to bucket 0. Call with the accounts locked."""
    ids = sorted(totals)
    where, args = conn.ids("account_id", 1, ids)
    await conn.execute(f"DELETE FROM account_balances WHERE {where} AND bucket <> 0", *args)
    await conn.executemany(
        "INSERT INTO account_balances (account_id, bucket, debits_pending, debits_posted,"
        " credits_pending, credits_posted) VALUES ($1, 0, $2, $3, $4, $5)"
        " ON CONFLICT (account_id, bucket) DO UPDATE SET"
        " debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,"
        " credits_pending = excluded.credits_pending, credits_posted = excluded.credits_posted",
        [(i, *totals[i]) for i in ids],
    )
    await conn.executemany(
        "INSERT INTO account_buckets (account_id, buckets, resized_at) VALUES ($1, 1, $2)"
        " ON CONFLICT (account_id) DO UPDATE SET buckets = 1, resized_at = excluded.resized_at",
        [(i, now) for i in ids],
    )
    for side in ("debit", "credit"):
        where, args = conn.ids(f"{side}_account_id", 1, ids)
        await conn.execute(
            f"UPDATE pending_transfers SET {side}_bucket = 0"
            f" WHERE {where} AND state = 'pending' AND {side}_bucket <> 0",
            *args,
        )


async def bucket_counts(conn: AdminConn, limit: int) -> list[tuple[uuid.UUID, int, int]]:
    """(account, buckets, resized_at) for the accounts with the most buckets; accounts without
    an account_buckets row have the default single bucket and are left out."""
    rows = await conn.fetch(
        "SELECT account_id, buckets, resized_at FROM account_buckets"
        " ORDER BY buckets DESC, account_id LIMIT $1",
        limit,
    )
    return [(conn.id_out(r[0]), int(r[1]), int(r[2])) for r in rows]

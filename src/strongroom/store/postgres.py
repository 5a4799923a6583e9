"""The production backend: PostgreSQL through asyncpg.

Bulk work uses `unnest` of typed arrays (one statement per table per batch). Balance rows are
locked with SELECT ... ORDER BY ... FOR UPDATE, so every batch locks in the same order and no two
batches can deadlock. Each batch draws its sequence block while holding a shared advisory lock;
the snapshot watermark takes the same lock exclusively (see strongroom.ledger.snapshots).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Final, Literal

import asyncpg

from strongroom.ledger.buckets import AccountSplit, BucketResize, BucketRow
from strongroom.ledger.ports import (
    DELTA_CAP,
    AccountMeta,
    AccountTotals,
    Admission,
    ChainedWriter,
    DeltasRefused,
    OutboxRow,
    WriteSet,
)
from strongroom.ledger.queries import AccountFilter, HistoryQuery, TransferQuery
from strongroom.ledger.rules import PendingRecord
from strongroom.ledger.types import (
    Account,
    AccountBalance,
    AccountStatus,
    DebitActivity,
    Transfer,
)
from strongroom.store import checks
from strongroom.store.connections import create_pg_pool
from strongroom.store.listing import (
    account_filters,
    debit_activity_sql,
    range_filters,
    tenant_filter,
)
from strongroom.store.rows import (
    ACCOUNT_COLUMNS,
    PENDING_COLUMNS,
    TRANSFER_COLUMNS,
    account_from_row,
    pending_from_row,
    transfer_from_row,
)
from strongroom.store.urls import DatabaseURL

#: Advisory lock key: batches hold it shared while numbering, the watermark takes it exclusive.
SEQ_LOCK_KEY: Final = 0x5354524F4E47

#: deadlock_detected, serialization_failure, unique_violation (a concurrent writer of the same id).
_TRANSIENT: Final = {"40P01", "40001", "23505"}


def _pending(r: asyncpg.Record) -> PendingRecord:
    return pending_from_row(*r)


def _transfer(r: asyncpg.Record) -> Transfer:
    return transfer_from_row(*r)


_TRANSFER_COPY_COLUMNS: Final = [c.strip() for c in TRANSFER_COLUMNS.split(",")]


def _uuid_array(ids: Sequence[uuid.UUID]) -> str:
    """A uuid[] literal. asyncpg encodes a list element by element, testing each against
    abstract base classes; for the thousands of ids of a batch the text form costs the client
    a third less CPU (docs/performance.md), and PostgreSQL parses it in C."""
    return "{" + ",".join([i.hex for i in ids]) + "}"


def _int_array(values: Sequence[int]) -> str:
    """A bigint[] literal, for the same reason as `_uuid_array`."""
    return "{" + ",".join(map(str, values)) + "}"


def _text(meta: bytes | None) -> str | None:
    return meta.decode() if meta is not None else None


class PostgresTransaction:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
        rows = await self._conn.fetch(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ANY($1::uuid[])", ids
        )
        return {r[0]: account_from_row(r[0], r[1:9]) for r in rows}

    async def insert_accounts(self, rows: Sequence[tuple[Account, bytes | None]]) -> None:
        accounts = [a for a, _ in rows]
        await self._conn.execute(
            "INSERT INTO accounts (id, tenant, ledger, code, flags, overdraft_limit, status,"
            " metadata, timestamp) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[],"
            " $4::int[], $5::int[], $6::bigint[], $7::text[], $8::jsonb[], $9::bigint[])",
            [a.id for a in accounts],
            [a.tenant for a in accounts],
            [a.ledger for a in accounts],
            [a.code for a in accounts],
            [int(a.flags) for a in accounts],
            [a.overdraft_limit for a in accounts],
            [a.status.value for a in accounts],
            [_text(meta) for _, meta in rows],
            [a.timestamp for a in accounts],
        )
        await self._conn.execute(
            "INSERT INTO account_balances (account_id, bucket)"
            " SELECT id, 0 FROM unnest($1::uuid[]) AS u(id)",
            [a.id for a in accounts],
        )

    async def peek_pendings(self, ids: Sequence[uuid.UUID]) -> list[PendingRecord]:
        rows = await self._conn.fetch(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers WHERE id = ANY($1::uuid[])", ids
        )
        return [_pending(r) for r in rows]

    async def lock_pendings(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PendingRecord]:
        rows = await self._conn.fetch(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers WHERE id = ANY($1::uuid[])"
            " ORDER BY id FOR UPDATE",
            ids,
        )
        return {r[0]: _pending(r) for r in rows}

    async def due_pendings(self, now: int, limit: int) -> list[PendingRecord]:
        rows = await self._conn.fetch(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers"
            " WHERE state = 'pending' AND expires_at > 0 AND expires_at <= $1"
            " ORDER BY expires_at LIMIT $2",
            now,
            limit,
        )
        return [_pending(r) for r in rows]

    async def lock_buckets(
        self, whole: Sequence[uuid.UUID], pairs: Sequence[tuple[uuid.UUID, int]]
    ) -> list[BucketRow]:
        # One join against the wanted (account, bucket) list, bucket -1 meaning every bucket:
        # an index lookup per account. (An OR of two conditions made PostgreSQL scan the table.)
        rows = await self._conn.fetch(
            "SELECT b.account_id, b.bucket, a.ledger, a.flags, a.overdraft_limit, a.status,"
            " a.tenant, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted"
            " FROM unnest($1::uuid[], $2::int2[]) AS w(id, bucket)"
            " JOIN account_balances b ON b.account_id = w.id"
            " AND (w.bucket < 0 OR b.bucket = w.bucket)"
            " JOIN accounts a ON a.id = b.account_id"
            " ORDER BY b.account_id, b.bucket FOR UPDATE OF b",
            [*whole, *(i for i, _ in pairs)],
            [*([-1] * len(whole)), *(b for _, b in pairs)],
        )
        return [BucketRow(*r) for r in rows]

    async def account_meta(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        rows = await self._conn.fetch(
            "SELECT id, ledger, flags, overdraft_limit, status, tenant FROM accounts"
            " WHERE id = ANY($1::uuid[])",
            ids,
        )
        return [AccountMeta(*r) for r in rows]

    async def load_transfers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Transfer]:
        # One index probe per id, whatever the planner thinks of the array: with `id = ANY($1)`
        # it chose a sequential scan of the whole (ever growing) log for ~1,000 ids, which took
        # 0.4 s per batch under load. The LIMIT keeps the subquery from being flattened.
        rows = await self._conn.fetch(
            "SELECT t.* FROM unnest($1::text::uuid[]) AS w(id),"
            f" LATERAL (SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = w.id LIMIT 1) AS t",
            _uuid_array(ids),
        )
        return {r[1]: _transfer(r) for r in rows}

    async def admit_batch(self, now: int, due_limit: int) -> Admission:
        block = await self._conn.fetchval(
            "SELECT nextval('transfer_block_seq')"
            " FROM (SELECT pg_advisory_xact_lock_shared($1)) AS watermark",
            SEQ_LOCK_KEY,
        )
        # A statement of its own: its snapshot is taken once the lock above is granted, so it
        # sees a status change that committed while this batch waited for it.
        epoch = await self._conn.fetchval(_STATUS_EPOCH)
        return Admission(int(block), int(epoch or 0), await self.due_pendings(now, due_limit))

    async def exclude_writers(self) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", SEQ_LOCK_KEY)

    async def write_outcome(
        self, writes: WriteSet, now: int, queued: Callable[[], object] | None = None
    ) -> None:
        conn = self._conn
        outcome = writes.outcome
        transfers = outcome.transfers
        if transfers:
            # Binary COPY: the fastest bulk path into PostgreSQL, inside the batch transaction.
            await conn.copy_records_to_table(
                "transfers",
                columns=_TRANSFER_COPY_COLUMNS,
                records=[
                    (
                        t.seq,
                        t.id,
                        t.tenant,
                        t.debit_account_id,
                        t.credit_account_id,
                        t.amount,
                        t.ledger,
                        t.code,
                        int(t.flags),
                        t.pending_id,
                        t.timeout,
                        _text(meta),
                        t.timestamp,
                    )
                    for t, meta in zip(transfers, outcome.metadata_json, strict=True)
                ],
            )
        pendings = outcome.new_pendings
        if pendings:
            await conn.execute(
                f"INSERT INTO pending_transfers ({PENDING_COLUMNS}, resolved_seq)"
                " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[],"
                " $5::text[], $6::int[], $7::text[], $8::bigint[], $9::text[], $10::bigint[])",
                [p.id for p in pendings],
                [p.debit_account_id for p in pendings],
                [p.credit_account_id for p in pendings],
                [p.amount for p in pendings],
                [p.ledger for p in pendings],
                [p.code for p in pendings],
                [p.tenant for p in pendings],
                [p.expires_at for p in pendings],
                [p.state.value for p in pendings],
                [p.resolved_seq for p in pendings],
            )
        changed = [*outcome.resolved, *outcome.expired]
        if changed:
            await conn.execute(
                "UPDATE pending_transfers p SET state = u.state, resolved_seq = u.resolved_seq"
                " FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS u(id, state, resolved_seq)"
                " WHERE p.id = u.id",
                [p.id for p in changed],
                [p.state.value for p in changed],
                [p.resolved_seq for p in changed],
            )
        if writes.buckets:
            await conn.execute(
                "UPDATE account_balances b SET debits_pending = u.debits_pending,"
                " debits_posted = u.debits_posted, credits_pending = u.credits_pending,"
                " credits_posted = u.credits_posted"
                " FROM unnest($1::uuid[], $2::int2[], $3::bigint[], $4::bigint[],"
                " $5::bigint[], $6::bigint[])"
                " AS u(id, bucket, debits_pending, debits_posted, credits_pending, credits_posted)"
                " WHERE b.account_id = u.id AND b.bucket = u.bucket",
                [b.account_id for b in writes.buckets],
                [b.bucket for b in writes.buckets],
                [b.debits_pending for b in writes.buckets],
                [b.debits_posted for b in writes.buckets],
                [b.credits_pending for b in writes.buckets],
                [b.credits_posted for b in writes.buckets],
            )
        if writes.deltas:
            ids, debits, credits = zip(*writes.deltas, strict=True)
            status = await conn.execute(
                _ADD_DELTAS, _uuid_array(ids), _int_array(debits), _int_array(credits), DELTA_CAP
            )
            if int(status.rsplit(" ", 1)[1]) != len(writes.deltas):
                raise DeltasRefused(f"{status}, expected {len(writes.deltas)} rows")
        history = outcome.history
        if history:
            await conn.execute(
                "INSERT INTO account_history (account_id, seq, timestamp, debits_pending,"
                " debits_posted, credits_pending, credits_posted) SELECT * FROM unnest("
                "$1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],"
                " $6::bigint[], $7::bigint[])",
                [h.account_id for h in history],
                [h.seq for h in history],
                [h.timestamp for h in history],
                [h.debits_pending for h in history],
                [h.debits_posted for h in history],
                [h.credits_pending for h in history],
                [h.credits_posted for h in history],
            )
        if writes.outbox is not None:
            await self._insert_outbox(writes.outbox, now)

    async def resize_buckets(self, resize: BucketResize, now: int) -> bool:
        conn = self._conn
        account_id, buckets = resize.account_id, resize.buckets
        # Lock the account's rows first: a merge must not race a batch writing a bucket.
        rows = await conn.fetch(
            "SELECT bucket, debits_pending, debits_posted, credits_pending, credits_posted"
            " FROM account_balances WHERE account_id = $1 ORDER BY bucket FOR UPDATE",
            account_id,
        )
        current = len(rows)
        claimed = await conn.fetchval(
            _CLAIM_RESIZE,
            account_id,
            buckets,
            now,
            resize.cooldown_ns,
            resize.pin is not None,
            bool(resize.pin),
            resize.cold_ns,
        )
        if not claimed or current == buckets:
            return False
        if buckets > current:
            await conn.execute(
                "INSERT INTO account_balances (account_id, bucket)"
                " SELECT $1, b FROM generate_series($2::int, $3::int) AS b",
                account_id,
                current,
                buckets - 1,
            )
            return True
        totals = [sum(r[i] for r in rows) for i in range(1, 5)]
        await conn.execute(
            "DELETE FROM account_balances WHERE account_id = $1 AND bucket >= $2",
            account_id,
            buckets,
        )
        await conn.execute(
            "UPDATE account_balances SET debits_pending = 0, debits_posted = 0,"
            " credits_pending = 0, credits_posted = 0 WHERE account_id = $1 AND bucket > 0",
            account_id,
        )
        await conn.execute(
            "UPDATE account_balances SET debits_pending = $2, debits_posted = $3,"
            " credits_pending = $4, credits_posted = $5 WHERE account_id = $1 AND bucket = 0",
            account_id,
            *totals,
        )
        return True

    async def record_hot(self, hot_at: Mapping[uuid.UUID, int]) -> None:
        # One row at a time in id order: two processes recording the same accounts never
        # deadlock.
        await self._conn.executemany(
            "UPDATE account_buckets SET hot_at = $2 WHERE account_id = $1 AND hot_at < $2",
            sorted(hot_at.items()),
        )

    async def write_events(self, events: bytes, now: int) -> None:
        await self._insert_outbox(OutboxRow(events), now)

    async def _insert_outbox(self, row: OutboxRow, now: int) -> None:
        first, last = row.transfers or (None, None)
        await self._conn.execute(
            "INSERT INTO outbox (created_at, events, transfers_from, transfers_to, origins)"
            " VALUES ($1, $2, $3, $4, $5)",
            now,
            row.events,
            first,
            last,
            row.origins,
        )

    async def set_status(self, account_id: uuid.UUID, status: AccountStatus) -> None:
        await self._conn.execute(
            "UPDATE accounts SET status = $1 WHERE id = $2", status.value, account_id
        )
        await self._conn.execute(_BUMP_STATUS_EPOCH)


_STATUS_EPOCH: Final = "SELECT value FROM ledger_counters WHERE name = 'account_status_epoch'"
_BUMP_STATUS_EPOCH: Final = (
    "INSERT INTO ledger_counters (name, value) VALUES ('account_status_epoch', 1)"
    " ON CONFLICT (name) DO UPDATE SET value = ledger_counters.value + 1"
)

# Adds each delta to a row nobody locked before. The guard refuses a row whose pending + posted
# (so each counter too) would pass DELTA_CAP: the rules only knew the deltas, and their
# verdicts hold only below it. A refused or missing row shows in the row count.
_ADD_DELTAS: Final = (
    "UPDATE account_balances b SET debits_posted = b.debits_posted + u.debits,"
    " credits_posted = b.credits_posted + u.credits"
    " FROM unnest($1::text::uuid[], $2::text::bigint[], $3::text::bigint[])"
    " AS u(id, debits, credits)"
    " WHERE b.account_id = u.id AND b.bucket = 0"
    " AND b.debits_pending + b.debits_posted <= $4 - u.debits"
    " AND b.credits_pending + b.credits_posted <= $4 - u.credits"
)

# Claims a resize in account_buckets ($1 account, $2 buckets, $3 now, $4 cooldown ns, $5 by
# hand, $6 pin, $7 cold ns or NULL). Its row lock orders the processes resizing the account;
# an update that matches nothing returns no row, and the resize does not happen. A resize by
# hand that only pins or unpins still claims. The new row is hot from now: a split is made for
# an account found hot, or by hand, which should stay split for a while.
_CLAIM_RESIZE: Final = (
    "INSERT INTO account_buckets AS ab (account_id, buckets, resized_at, hot_at, pinned)"
    " VALUES ($1, $2, $3, $3, $6) ON CONFLICT (account_id) DO UPDATE"
    " SET buckets = excluded.buckets, resized_at = excluded.resized_at,"
    " hot_at = excluded.hot_at, pinned = excluded.pinned"
    " WHERE (ab.buckets <> excluded.buckets OR ab.pinned <> excluded.pinned)"
    " AND ab.resized_at <= $3 - $4 AND ($5 OR NOT ab.pinned)"
    " AND ($7::bigint IS NULL OR ab.hot_at < $3 - $7)"
    " RETURNING 1"
)


_ACCOUNT_WITH_BALANCE = (
    f"SELECT {ACCOUNT_COLUMNS}, sum(b.debits_pending)::bigint, sum(b.debits_posted)::bigint,"
    " sum(b.credits_pending)::bigint, sum(b.credits_posted)::bigint"
    " FROM accounts a JOIN account_balances b ON b.account_id = a.id"
)


def _dollar(n: int) -> str:
    return f"${n}"


class PostgresStore:
    @property
    def kind(self) -> Literal["sqlite", "postgresql"]:
        return "postgresql"

    @property
    def chained_writer(self) -> ChainedWriter | None:
        # Batches write in parallel on several connections: none follows another's writes.
        return None

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: DatabaseURL, pool_size: int = 8) -> PostgresStore:
        # The ledger keeps no session state (its locks are transaction-scoped): no reset query.
        return cls(await create_pg_pool(url, max_size=pool_size, session_state=False))

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, asyncpg.PostgresError) and error.sqlstate in _TRANSIENT

    def is_duplicate(self, error: BaseException) -> bool:
        return isinstance(error, asyncpg.UniqueViolationError)

    async def get_accounts(
        self, ids: Sequence[uuid.UUID], now: int, *, tenant: str | None = None
    ) -> list[Account]:
        scope, params = tenant_filter(tenant, "a.tenant", _dollar, 2)
        rows = await self._pool.fetch(
            f"{_ACCOUNT_WITH_BALANCE} WHERE a.id = ANY($1::uuid[]){scope} GROUP BY a.id",
            ids,
            *params,
        )
        return await self._accounts(rows, now)

    async def list_accounts(
        self, query: AccountFilter, now: int, *, tenant: str | None = None
    ) -> list[Account]:
        filters, params = account_filters(query, tenant, query.after, _dollar)
        rows = await self._pool.fetch(
            f"{_ACCOUNT_WITH_BALANCE} WHERE true{filters} GROUP BY a.id ORDER BY a.id"
            f" LIMIT ${len(params) + 1}",
            *params,
            query.limit + 1,
        )
        return await self._accounts(rows, now)

    async def _accounts(self, rows: Sequence[asyncpg.Record], now: int) -> list[Account]:
        ids = [r[0] for r in rows]
        # Reservations past their timeout that the sweeper has not released yet.
        due = await self._pool.fetch(
            "SELECT u.id, coalesce(sum(p.amount) FILTER (WHERE p.debit_account_id = u.id), 0),"
            " coalesce(sum(p.amount) FILTER (WHERE p.credit_account_id = u.id), 0)"
            " FROM unnest($1::uuid[]) AS u(id) JOIN pending_transfers p"
            " ON p.debit_account_id = u.id OR p.credit_account_id = u.id"
            " WHERE p.state = 'pending' AND p.expires_at > 0 AND p.expires_at <= $2"
            " GROUP BY u.id",
            ids,
            now,
        )
        held = {r[0]: (int(r[1]), int(r[2])) for r in due}
        accounts = []
        for r in rows:
            held_debit, held_credit = held.get(r[0], (0, 0))
            counters = (r[9] - held_debit, r[10], r[11] - held_credit, r[12])
            accounts.append(account_from_row(r[0], r[1:9], counters))
        return accounts

    async def get_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]:
        scope, params = tenant_filter(tenant, "tenant", _dollar, 2)
        rows = await self._pool.fetch(
            f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = ANY($1::uuid[]){scope}",
            ids,
            *params,
        )
        return [_transfer(r) for r in rows]

    async def get_pendings(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[PendingRecord]:
        scope, params = tenant_filter(tenant, "tenant", _dollar, 2)
        rows = await self._pool.fetch(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers WHERE id = ANY($1::uuid[]){scope}",
            ids,
            *params,
        )
        return [_pending(r) for r in rows]

    async def account_transfers(self, query: TransferQuery) -> list[Transfer]:
        sides = {
            "debits": ["debit_account_id"],
            "credits": ["credit_account_id"],
            "both": ["debit_account_id", "credit_account_id"],
        }[query.direction]
        filters, params = range_filters(query, _dollar, first=2)
        order = "DESC" if query.reverse else "ASC"
        limit = f"${len(params) + 2}"
        selects = [
            f"(SELECT {TRANSFER_COLUMNS} FROM transfers WHERE {side} = $1{filters}"
            f" ORDER BY seq {order} LIMIT {limit})"
            for side in sides
        ]
        sql = (
            f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS moves"
            f" ORDER BY seq {order} LIMIT {limit}"
        )
        rows = await self._pool.fetch(sql, query.account_id, *params, query.limit + 1)
        return [_transfer(r) for r in rows]

    async def account_history(self, query: HistoryQuery) -> list[AccountBalance]:
        filters, params = range_filters(query, _dollar, first=2)
        order = "DESC" if query.reverse else "ASC"
        rows = await self._pool.fetch(
            "SELECT seq, timestamp, debits_pending, debits_posted, credits_pending,"
            f" credits_posted FROM account_history WHERE account_id = $1{filters}"
            f" ORDER BY seq {order} LIMIT ${len(params) + 2}",
            query.account_id,
            *params,
            query.limit + 1,
        )
        return [AccountBalance(query.account_id, *r) for r in rows]

    async def debit_activity(
        self, account_id: uuid.UUID, codes: Sequence[int], since: int, split: int
    ) -> list[DebitActivity]:
        sql = debit_activity_sql(_dollar, len(codes))
        rows = await self._pool.fetch(sql, split, account_id, since, *codes)
        return [DebitActivity(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    async def fold_from_log(self) -> dict[uuid.UUID, tuple[int, int, int, int]]:
        rows = await self._pool.fetch(checks.FOLD_FROM_LOG)
        return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def balances(self) -> list[AccountTotals]:
        rows = await self._pool.fetch(checks.BALANCES)
        return [
            AccountTotals(r[0], r[1], r[2], r[3], (int(r[4]), int(r[5]), int(r[6]), int(r[7])))
            for r in rows
        ]

    async def pending_mismatches(self) -> list[tuple[uuid.UUID, str]]:
        return [(r[0], r[1]) for r in await self._pool.fetch(checks.PENDING_MISMATCHES)]

    async def split_accounts(self) -> dict[uuid.UUID, AccountSplit]:
        rows = await self._pool.fetch(
            "SELECT account_id, buckets, resized_at, hot_at, pinned FROM account_buckets"
            " WHERE buckets > 1 OR pinned"
        )
        return {r[0]: AccountSplit(r[1], r[2], r[3], r[4]) for r in rows}

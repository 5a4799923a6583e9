"""The embedded backend: one SQLite file in WAL mode, driven through aiosqlite.

SQLite has one writer at a time, so a write transaction (BEGIN IMMEDIATE) holds the whole
database and "locking" balance rows is a plain read. UUIDs are stored as 16-byte blobs.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, cast

import aiosqlite

from strongroom.ledger.buckets import BucketRow, BucketWrite
from strongroom.ledger.rules import BatchOutcome, PendingRecord
from strongroom.ledger.types import Account, AccountBalance, AccountStatus, Transfer
from strongroom.store import checks
from strongroom.store.ledger_store import (
    DELTA_CAP,
    AccountMeta,
    AccountTotals,
    Admission,
    DeltasRefused,
    HistoryQuery,
    OutboxRow,
    PostedDelta,
    TransferQuery,
    range_filters,
)
from strongroom.store.rows import (
    ACCOUNT_COLUMNS,
    PENDING_COLUMNS,
    TRANSFER_COLUMNS,
    account_from_row,
    chunks,
    pending_from_row,
    transfer_from_row,
)

#: Well under SQLite's default limit of 32,766 bound parameters per statement.
_CHUNK = 900

_UUID = uuid.UUID


def _u(raw: bytes) -> uuid.UUID:
    return _UUID(bytes=raw)


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class SqliteTransaction:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def _select_in(
        self, sql: str, ids: Sequence[uuid.UUID], extra: tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = []
        for part in chunks(ids, _CHUNK):
            query = sql.replace("(?*)", f"({_placeholders(len(part))})")
            rows.extend(await self._db.execute_fetchall(query, (*[i.bytes for i in part], *extra)))
        return rows

    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
        rows = await self._select_in(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN (?*)", ids
        )
        return {_u(r[0]): account_from_row(_u(r[0]), r[1:9]) for r in rows}

    async def insert_accounts(self, rows: Sequence[tuple[Account, bytes | None]]) -> None:
        await self._db.executemany(
            "INSERT INTO accounts (id, tenant, ledger, code, flags, overdraft_limit, status,"
            " metadata, timestamp) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    a.id.bytes,
                    a.tenant,
                    a.ledger,
                    a.code,
                    int(a.flags),
                    a.overdraft_limit,
                    a.status.value,
                    meta.decode() if meta is not None else None,
                    a.timestamp,
                )
                for a, meta in rows
            ],
        )
        await self._db.executemany(
            "INSERT INTO account_balances (account_id, bucket) VALUES (?, 0)",
            [(a.id.bytes,) for a, _ in rows],
        )

    async def peek_pendings(self, ids: Sequence[uuid.UUID]) -> list[PendingRecord]:
        rows = await self._select_in(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers WHERE id IN (?*)", ids
        )
        return [_pending(r) for r in rows]

    async def lock_pendings(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PendingRecord]:
        return {p.id: p for p in await self.peek_pendings(ids)}

    async def due_pendings(self, now: int, limit: int) -> list[PendingRecord]:
        rows = await self._db.execute_fetchall(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers"
            " WHERE state = 'pending' AND expires_at > 0 AND expires_at <= ?"
            " ORDER BY expires_at LIMIT ?",
            (now, limit),
        )
        return [_pending(r) for r in rows]

    async def lock_buckets(
        self, whole: Sequence[uuid.UUID], pairs: Sequence[tuple[uuid.UUID, int]]
    ) -> list[BucketRow]:
        # The write transaction already excludes every other writer: reading is locking.
        wanted = {(i.bytes, b) for i, b in pairs}
        ids = {i.bytes: i for i in whole}
        for i, _ in pairs:
            ids[i.bytes] = i
        rows = await self._select_in(
            "SELECT b.account_id, b.bucket, a.ledger, a.flags, a.overdraft_limit, a.status,"
            " a.tenant, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted"
            " FROM account_balances b JOIN accounts a ON a.id = b.account_id"
            " WHERE b.account_id IN (?*)",
            [*ids.values()],
        )
        whole_ids = {i.bytes for i in whole}
        out = [
            BucketRow(ids[r[0]], *r[1:])
            for r in rows
            if r[0] in whole_ids or (r[0], r[1]) in wanted
        ]
        out.sort(key=lambda row: (row.account_id.bytes, row.bucket))
        return out

    async def account_meta(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        rows = await self._select_in(
            "SELECT id, ledger, flags, overdraft_limit, status, tenant FROM accounts"
            " WHERE id IN (?*)",
            ids,
        )
        return [AccountMeta(_u(r[0]), *r[1:]) for r in rows]

    async def load_transfers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Transfer]:
        rows = await self._select_in(
            f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id IN (?*)", ids
        )
        return {t.id: t for t in map(_transfer, rows)}

    async def admit_batch(self, now: int, due_limit: int) -> Admission:
        # BEGIN IMMEDIATE holds the write lock already: one statement reads block and epoch,
        # and the due pendings' query is queued behind it without waiting for its answer.
        admitted, due = await asyncio.gather(
            self._db.execute_fetchall(
                "UPDATE ledger_counters SET value = value + 1 WHERE name = 'transfer_block'"
                " RETURNING value, (SELECT value FROM ledger_counters"
                " WHERE name = 'account_status_epoch')"
            ),
            self.due_pendings(now, due_limit),
        )
        ((block, epoch),) = admitted
        return Admission(int(block), int(epoch or 0), due)

    async def exclude_writers(self) -> None:
        """Nothing to do: a write transaction (BEGIN IMMEDIATE) already excludes the others."""

    async def write_outcome(
        self,
        outcome: BatchOutcome,
        buckets: Sequence[BucketWrite],
        deltas: Sequence[PostedDelta],
        outbox: OutboxRow | None,
        now: int,
    ) -> None:
        db = self._db
        # Queued on the connection's thread one behind the other and awaited together: one
        # turn of the event loop for the whole write instead of one per statement.
        statements: list[Awaitable[object]] = []
        if outcome.transfers:
            rows = [
                (
                    t.seq,
                    t.id.bytes,
                    t.tenant,
                    t.debit_account_id.bytes,
                    t.credit_account_id.bytes,
                    t.amount,
                    t.ledger,
                    t.code,
                    int(t.flags),
                    t.pending_id.bytes if t.pending_id is not None else None,
                    t.timeout,
                    meta.decode() if meta is not None else None,
                    t.timestamp,
                )
                for t, meta in zip(outcome.transfers, outcome.metadata_json, strict=True)
            ]
            statements.append(db.executemany(_INSERT_TRANSFERS, rows))
        if outcome.new_pendings:
            pendings = [
                (
                    p.id.bytes,
                    p.debit_account_id.bytes,
                    p.credit_account_id.bytes,
                    p.amount,
                    p.ledger,
                    p.code,
                    p.tenant,
                    p.expires_at,
                    p.state.value,
                    p.resolved_seq,
                )
                for p in outcome.new_pendings
            ]
            statements.append(db.executemany(_INSERT_PENDINGS, pendings))
        changed = [*outcome.resolved, *outcome.expired]
        if changed:
            states = [(p.state.value, p.resolved_seq, p.id.bytes) for p in changed]
            statements.append(db.executemany(_UPDATE_PENDINGS, states))
        if buckets:
            values = [(b.dp, b.dpo, b.cp, b.cpo, b.account_id.bytes, b.bucket) for b in buckets]
            statements.append(db.executemany(_SET_BUCKETS, values))
        if deltas:
            counted = len(statements)
            moves = [(account_id.bytes, dpo, cpo, DELTA_CAP) for account_id, dpo, cpo in deltas]
            statements.append(db.executemany(_ADD_DELTAS, moves))
        if outcome.history:
            history = [
                (
                    h.account_id.bytes,
                    h.seq,
                    h.timestamp,
                    h.debits_pending,
                    h.debits_posted,
                    h.credits_pending,
                    h.credits_posted,
                )
                for h in outcome.history
            ]
            statements.append(db.executemany(_INSERT_HISTORY, history))
        if outbox is not None:
            statements.append(self._insert_outbox(outbox, now))
        done = await asyncio.gather(*statements)
        if deltas:
            updated = cast(aiosqlite.Cursor, done[counted]).rowcount
            if updated != len(deltas):
                raise DeltasRefused(f"{updated} rows updated, expected {len(deltas)}")

    async def resize_buckets(
        self, account_id: uuid.UUID, buckets: int, now: int, cooldown_ns: int
    ) -> bool:
        raw = account_id.bytes
        rows = await self._db.execute_fetchall(
            "SELECT buckets, resized_at FROM account_buckets WHERE account_id = ?", (raw,)
        )
        found = next(iter(rows), None)
        current = found[0] if found else 1
        if current == buckets or (found and found[1] > now - cooldown_ns):
            return False
        await self._db.execute(
            "INSERT INTO account_buckets (account_id, buckets, resized_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id) DO UPDATE SET buckets = excluded.buckets,"
            " resized_at = excluded.resized_at",
            (raw, buckets, now),
        )
        if buckets > current:
            await self._db.executemany(
                "INSERT INTO account_balances (account_id, bucket) VALUES (?, ?)",
                [(raw, b) for b in range(current, buckets)],
            )
            return True
        (totals,) = await self._db.execute_fetchall(
            "SELECT sum(debits_pending), sum(debits_posted), sum(credits_pending),"
            " sum(credits_posted) FROM account_balances WHERE account_id = ?",
            (raw,),
        )
        await self._db.execute(
            "DELETE FROM account_balances WHERE account_id = ? AND bucket >= ?", (raw, buckets)
        )
        await self._db.execute(
            "UPDATE account_balances SET debits_pending = 0, debits_posted = 0,"
            " credits_pending = 0, credits_posted = 0 WHERE account_id = ? AND bucket > 0",
            (raw,),
        )
        await self._db.execute(
            "UPDATE account_balances SET debits_pending = ?, debits_posted = ?,"
            " credits_pending = ?, credits_posted = ? WHERE account_id = ? AND bucket = 0",
            (*totals, raw),
        )
        return True

    async def write_events(self, events: bytes, now: int) -> None:
        await self._insert_outbox(OutboxRow(events), now)

    async def _insert_outbox(self, row: OutboxRow, now: int) -> None:
        first, last = row.transfers or (None, None)
        await self._db.execute(
            "INSERT INTO outbox (created_at, events, transfers_from, transfers_to, origins)"
            " VALUES (?, ?, ?, ?, ?)",
            (now, row.events, first, last, row.origins),
        )

    async def set_status(self, account_id: uuid.UUID, status: AccountStatus) -> None:
        await self._db.execute(
            "UPDATE accounts SET status = ? WHERE id = ?", (status.value, account_id.bytes)
        )
        await self._db.execute(
            "INSERT INTO ledger_counters (name, value) VALUES ('account_status_epoch', 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1"
        )


_INSERT_TRANSFERS = f"INSERT INTO transfers ({TRANSFER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_PENDINGS = (
    f"INSERT INTO pending_transfers ({PENDING_COLUMNS}, resolved_seq) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
_UPDATE_PENDINGS = "UPDATE pending_transfers SET state = ?, resolved_seq = ? WHERE id = ?"
_SET_BUCKETS = (
    "UPDATE account_balances SET debits_pending = ?, debits_posted = ?,"
    " credits_pending = ?, credits_posted = ? WHERE account_id = ? AND bucket = ?"
)
# The guard (see DELTA_CAP) leaves a row that would pass the cap as it is, which shows in the
# row count; it also keeps SQLite from ever making a sum a float.
_ADD_DELTAS = (
    "UPDATE account_balances SET debits_posted = debits_posted + ?2,"
    " credits_posted = credits_posted + ?3 WHERE account_id = ?1 AND bucket = 0"
    " AND debits_pending + debits_posted <= ?4 - ?2"
    " AND credits_pending + credits_posted <= ?4 - ?3"
)
_INSERT_HISTORY = (
    "INSERT INTO account_history (account_id, seq, timestamp, debits_pending,"
    " debits_posted, credits_pending, credits_posted) VALUES (?,?,?,?,?,?,?)"
)


def _pending(r: Sequence[Any]) -> PendingRecord:
    return pending_from_row(_u(r[0]), _u(r[1]), _u(r[2]), *r[3:])


def _transfer(r: Sequence[Any]) -> Transfer:
    return transfer_from_row(
        r[0],
        _u(r[1]),
        r[2],
        _u(r[3]),
        _u(r[4]),
        r[5],
        r[6],
        r[7],
        r[8],
        _u(r[9]) if r[9] is not None else None,
        r[10],
        r[11],
        r[12],
    )


class SqliteStore:
    @property
    def kind(self) -> Literal["sqlite", "postgresql"]:
        return "sqlite"

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        # One writer per process; SQLite's own lock orders writers across processes.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: str) -> SqliteStore:
        db = await aiosqlite.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode = WAL",
            # FULL: a committed batch survives power loss, not only a process crash.
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA busy_timeout = 10000",
            "PRAGMA cache_size = -65536",
            # A batch dirties thousands of index pages; checkpointing every 40 MiB of WAL
            # instead of 4 MiB writes each page once for many commits, not once per commit.
            "PRAGMA wal_autocheckpoint = 10000",
        ):
            await db.execute(pragma)
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._db)
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)

    def is_duplicate(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    async def _select_in(
        self, sql: str, ids: Sequence[uuid.UUID], extra: tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        return await SqliteTransaction(self._db)._select_in(sql, ids, extra)

    async def get_accounts(self, ids: Sequence[uuid.UUID], now: int) -> list[Account]:
        rows = await self._select_in(
            f"SELECT {ACCOUNT_COLUMNS}, sum(b.debits_pending), sum(b.debits_posted),"
            " sum(b.credits_pending), sum(b.credits_posted)"
            " FROM accounts a JOIN account_balances b ON b.account_id = a.id"
            " WHERE a.id IN (?*) GROUP BY a.id",
            ids,
        )
        return await self._accounts(rows, now)

    async def list_accounts(
        self, tenant: str | None, after: uuid.UUID | None, limit: int, now: int
    ) -> list[Account]:
        where = ["1 = 1"]
        params: list[Any] = []
        if tenant is not None:
            where.append("a.tenant = ?")
            params.append(tenant)
        if after is not None:
            where.append("a.id > ?")
            params.append(after.bytes)
        rows = list(
            await self._db.execute_fetchall(
                f"SELECT {ACCOUNT_COLUMNS}, sum(b.debits_pending), sum(b.debits_posted),"
                " sum(b.credits_pending), sum(b.credits_posted)"
                " FROM accounts a JOIN account_balances b ON b.account_id = a.id"
                f" WHERE {' AND '.join(where)} GROUP BY a.id ORDER BY a.id LIMIT ?",
                (*params, limit),
            )
        )
        return await self._accounts(rows, now)

    async def _accounts(self, rows: Sequence[Sequence[Any]], now: int) -> list[Account]:
        ids = [_u(r[0]) for r in rows]
        due = await self._due_adjustments(ids, now)
        accounts = []
        for account_id, r in zip(ids, rows, strict=True):
            dp, dpo, cp, cpo = r[9:13]
            held_debit, held_credit = due.get(account_id, (0, 0))
            accounts.append(
                account_from_row(account_id, r[1:9], (dp - held_debit, dpo, cp - held_credit, cpo))
            )
        return accounts

    async def _due_adjustments(
        self, ids: Sequence[uuid.UUID], now: int
    ) -> dict[uuid.UUID, tuple[int, int]]:
        """Reservations past their timeout that the sweeper has not released yet."""
        out: dict[uuid.UUID, tuple[int, int]] = {}
        if not ids:
            return out
        wanted = set(ids)
        rows = await self._db.execute_fetchall(
            "SELECT debit_account_id, credit_account_id, amount FROM pending_transfers"
            " WHERE state = 'pending' AND expires_at > 0 AND expires_at <= ?",
            (now,),
        )
        for debit_raw, credit_raw, amount in rows:
            debit, credit = _u(debit_raw), _u(credit_raw)
            if debit in wanted:
                held = out.get(debit, (0, 0))
                out[debit] = (held[0] + amount, held[1])
            if credit in wanted:
                held = out.get(credit, (0, 0))
                out[credit] = (held[0], held[1] + amount)
        return out

    async def get_transfers(self, ids: Sequence[uuid.UUID]) -> list[Transfer]:
        rows = await self._select_in(
            f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id IN (?*)", ids
        )
        return [_transfer(r) for r in rows]

    async def get_pendings(self, ids: Sequence[uuid.UUID]) -> list[PendingRecord]:
        return await SqliteTransaction(self._db).peek_pendings(ids)

    async def account_transfers(self, query: TransferQuery) -> list[Transfer]:
        sides = {
            "debits": ["debit_account_id"],
            "credits": ["credit_account_id"],
            "both": ["debit_account_id", "credit_account_id"],
        }[query.direction]
        filters, params = range_filters(query, lambda _: "?")
        order = "DESC" if query.reverse else "ASC"
        selects = []
        all_params: list[Any] = []
        for side in sides:
            selects.append(f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE {side} = ?{filters}")
            all_params.extend([query.account_id.bytes, *params])
        sql = " UNION ALL ".join(selects) + f" ORDER BY seq {order} LIMIT ?"
        rows = await self._db.execute_fetchall(sql, (*all_params, query.limit))
        return [_transfer(r) for r in rows]

    async def account_history(self, query: HistoryQuery) -> list[AccountBalance]:
        filters, params = range_filters(query, lambda _: "?")
        order = "DESC" if query.reverse else "ASC"
        rows = await self._db.execute_fetchall(
            "SELECT seq, timestamp, debits_pending, debits_posted, credits_pending,"
            f" credits_posted FROM account_history WHERE account_id = ?{filters}"
            f" ORDER BY seq {order} LIMIT ?",
            (query.account_id.bytes, *params, query.limit),
        )
        return [AccountBalance(query.account_id, *r) for r in rows]

    async def fold_from_log(self) -> dict[uuid.UUID, tuple[int, int, int, int]]:
        rows = await self._db.execute_fetchall(checks.FOLD_FROM_LOG)
        return {_u(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def balances(self) -> list[AccountTotals]:
        rows = await self._db.execute_fetchall(checks.BALANCES)
        return [AccountTotals(_u(r[0]), r[1], r[2], r[3], (r[4], r[5], r[6], r[7])) for r in rows]

    async def pending_mismatches(self) -> list[tuple[uuid.UUID, str]]:
        rows = await self._db.execute_fetchall(checks.PENDING_MISMATCHES)
        return [(_u(r[0]), r[1]) for r in rows]

    async def bucket_counts(self) -> dict[uuid.UUID, int]:
        rows = await self._db.execute_fetchall(
            "SELECT account_id, buckets FROM account_buckets WHERE buckets > 1"
        )
        return {_u(r[0]): r[1] for r in rows}

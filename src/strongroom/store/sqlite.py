"""The embedded backend: one SQLite file in WAL mode, driven through aiosqlite.

SQLite has one writer at a time, so a write transaction (BEGIN IMMEDIATE) holds the whole
database and "locking" balance rows is a plain read. Reads outside a transaction go through a
second, read-only connection, which sees committed data only. UUIDs are stored as 16-byte
blobs.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Final, Literal, TypeVar, cast

import aiosqlite
import msgspec

from strongroom.ledger.buckets import AccountSplit, BucketResize, BucketRow
from strongroom.ledger.ports import (
    DELTA_CAP,
    AccountMeta,
    AccountTotals,
    Admission,
    ChainedResult,
    ChainedWrite,
    ChainedWriter,
    DeltasRefused,
    OutboxRow,
    PostedDelta,
    WriterOrder,
    WriteSet,
)
from strongroom.ledger.queries import AccountFilter, HistoryQuery, TransferQuery
from strongroom.ledger.rules import BatchOutcome, PendingRecord
from strongroom.ledger.types import (
    Account,
    AccountBalance,
    AccountStatus,
    DebitActivity,
    Transfer,
)
from strongroom.store import checks
from strongroom.store.connections import connect_sqlite
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
    chunks,
    pending_from_row,
    transfer_from_row,
)

#: Seconds a thread waiting for the GIL waits before it asks for it (see SqliteStore.connect).
_SWITCH_INTERVAL = 0.0001

#: Well under SQLite's default limit of 32,766 bound parameters per statement.
_CHUNK = 900

_UUID = uuid.UUID
_json = msgspec.json.encode
T = TypeVar("T")


def _u(raw: bytes) -> uuid.UUID:
    return _UUID(bytes=raw)


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class SqliteTransaction:
    def __init__(self, db: aiosqlite.Connection, number: int = 0) -> None:
        self._db = db
        self._number = number

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
        rows = await self._db.execute_fetchall(_DUE, (now, limit))
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
            self._db.execute_fetchall(_ADMIT),
            self.due_pendings(now, due_limit),
        )
        ((block, epoch, data_version),) = admitted
        order = WriterOrder(self._number, int(data_version))
        return Admission(int(block), int(epoch or 0), due, order)

    async def exclude_writers(self) -> None:
        """Nothing to do: a write transaction (BEGIN IMMEDIATE) already excludes the others."""

    async def write_outcome(
        self, writes: WriteSet, now: int, queued: Callable[[], object] | None = None
    ) -> None:
        statements = _Statements(writes, now)
        if queued is None:
            await _on_thread(self._db, statements.run)
            return
        running = await _queue_on_thread(self._db, statements.run)
        queued()
        await running

    async def resize_buckets(self, resize: BucketResize, now: int) -> bool:
        raw = resize.account_id.bytes
        buckets = resize.buckets
        rows = await self._db.execute_fetchall(
            "SELECT buckets FROM account_buckets WHERE account_id = ?", (raw,)
        )
        current = next(iter(rows), (1,))[0]
        claimed = await self._db.execute_fetchall(
            _CLAIM_RESIZE,
            (
                raw,
                buckets,
                now,
                resize.cooldown_ns,
                resize.pin is not None,
                bool(resize.pin),
                resize.cold_ns,
            ),
        )
        if not claimed or current == buckets:
            return False
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

    async def record_hot(self, hot_at: Mapping[uuid.UUID, int]) -> None:
        await self._db.executemany(
            "UPDATE account_buckets SET hot_at = ?2 WHERE account_id = ?1 AND hot_at < ?2",
            [(a.bytes, t) for a, t in hot_at.items()],
        )

    async def write_events(self, events: bytes, now: int) -> None:
        await self._insert_outbox(OutboxRow(events), now)

    async def _insert_outbox(self, row: OutboxRow, now: int) -> None:
        await self._db.execute(_INSERT_OUTBOX, _outbox_values(row, now))

    async def set_status(self, account_id: uuid.UUID, status: AccountStatus) -> None:
        await self._db.execute(
            "UPDATE accounts SET status = ? WHERE id = ?", (status.value, account_id.bytes)
        )
        await self._db.execute(
            "INSERT INTO ledger_counters (name, value) VALUES ('account_status_epoch', 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1"
        )


# The statements a batch's size drives (the transfer insert, the deltas) take their rows as
# JSON and blobs, the rows' UUIDs among them (SQLite 3.40 has no unhex()), so SQLite runs each
# as one call: the connection's thread keeps off the GIL for the whole insert, instead of taking
# it back for every row as executemany does, and the event loop's next batch runs meanwhile
# (docs/ledger-engine.md).

#: The integer columns of a transfer row (seq, amount, code, flags, timeout, timestamp) as
#: fixed-width decimal text in one blob, sliced by offset: reading them from the JSON rows took
#: a parse of the row's text per column.
_NUMBER = 19
_NUMBERS = 6 * _NUMBER
_NUMBER_TEXT = b"%019d" * 6


def _number(column: int) -> str:
    return f"CAST(substr(?4, j.key * {_NUMBERS} + {column * _NUMBER + 1}, {_NUMBER}) AS INTEGER)"


_INSERT_TRANSFERS = (
    f"INSERT INTO transfers ({TRANSFER_COLUMNS})"
    f" SELECT {_number(0)}, substr(?2, j.key * 48 + 1, 16), j.value ->> 0,"
    f" substr(?2, j.key * 48 + 17, 16), substr(?2, j.key * 48 + 33, 16), {_number(1)},"
    f" j.value ->> 1, {_number(2)}, {_number(3)}, substr(?3, (j.value ->> 2) * 16 + 1, 16),"
    f" {_number(4)}, j.value ->> 3, {_number(5)} FROM json_each(?1) AS j"
)
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
    "UPDATE account_balances AS b SET debits_posted = b.debits_posted + (d.value ->> 0),"
    " credits_posted = b.credits_posted + (d.value ->> 1) FROM json_each(?1) AS d"
    " WHERE b.account_id = substr(?2, d.key * 16 + 1, 16) AND b.bucket = 0"
    " AND b.debits_pending + b.debits_posted <= ?3 - (d.value ->> 0)"
    " AND b.credits_pending + b.credits_posted <= ?3 - (d.value ->> 1)"
)
#: Most deltas fit in 31 bits each: packed two to a JSON integer, json_each hands them over as
#: numbers, with no JSON text to parse per row (a quarter of the statement's time).
_SMALL_DELTA = 2**31
_ADD_SMALL_DELTAS = (
    "UPDATE account_balances AS b SET debits_posted = b.debits_posted + (d.value >> 31),"
    " credits_posted = b.credits_posted + (d.value & 2147483647) FROM json_each(?1) AS d"
    " WHERE b.account_id = substr(?2, d.key * 16 + 1, 16) AND b.bucket = 0"
    " AND b.debits_pending + b.debits_posted <= ?3 - (d.value >> 31)"
    " AND b.credits_pending + b.credits_posted <= ?3 - (d.value & 2147483647)"
)
_INSERT_HISTORY = (
    "INSERT INTO account_history (account_id, seq, timestamp, debits_pending,"
    " debits_posted, credits_pending, credits_posted) VALUES (?,?,?,?,?,?,?)"
)


_INSERT_OUTBOX = (
    "INSERT INTO outbox (created_at, events, transfers_from, transfers_to, origins)"
    " VALUES (?, ?, ?, ?, ?)"
)
_ADMIT = (
    "UPDATE ledger_counters SET value = value + 1 WHERE name = 'transfer_block'"
    " RETURNING value, (SELECT value FROM ledger_counters WHERE name = 'account_status_epoch'),"
    " (SELECT data_version FROM pragma_data_version())"
)
# Claims a resize in account_buckets, as on PostgreSQL (see store/postgres.py): ?1 account,
# ?2 buckets, ?3 now, ?4 cooldown ns, ?5 by hand, ?6 pin, ?7 cold ns or NULL.
_CLAIM_RESIZE = (
    "INSERT INTO account_buckets AS ab (account_id, buckets, resized_at, hot_at, pinned)"
    " VALUES (?1, ?2, ?3, ?3, ?6) ON CONFLICT (account_id) DO UPDATE"
    " SET buckets = excluded.buckets, resized_at = excluded.resized_at,"
    " hot_at = excluded.hot_at, pinned = excluded.pinned"
    " WHERE (ab.buckets <> excluded.buckets OR ab.pinned <> excluded.pinned)"
    " AND ab.resized_at <= ?3 - ?4 AND (?5 OR NOT ab.pinned)"
    " AND (?7 IS NULL OR ab.hot_at < ?3 - ?7)"
    " RETURNING 1"
)
_DUE = (
    f"SELECT {PENDING_COLUMNS} FROM pending_transfers"
    " WHERE state = 'pending' AND expires_at > 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?"
)


def _on_thread(db: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> Awaitable[T]:
    """Run `fn` on the connection's own thread, after what is queued there already: several
    statements for one hand-over (and one wake-up of the event loop) instead of one each.
    aiosqlite runs its own methods this way."""
    run = cast(Callable[[Callable[[], T]], Awaitable[T]], db._execute)
    return run(lambda: fn(db._conn))


async def _queue_on_thread(
    db: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]
) -> asyncio.Future[T]:
    """Queue `fn` on the connection's thread and return as soon as it is queued: whatever is
    queued there next runs after it. Await the future for its result."""
    running = asyncio.ensure_future(_on_thread(db, fn))
    # One turn of the loop runs the task up to its wait for the connection's thread.
    await asyncio.sleep(0)
    return running


def _roll_back(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _any_transfer(conn: sqlite3.Connection, ids: Sequence[uuid.UUID]) -> bool:
    for part in chunks(ids, _CHUNK):
        sql = f"SELECT 1 FROM transfers WHERE id IN ({_placeholders(len(part))}) LIMIT 1"
        if conn.execute(sql, [i.bytes for i in part]).fetchall():
            return True
    return False


def _outbox_values(row: OutboxRow, now: int) -> tuple[Any, ...]:
    first, last = row.transfers or (None, None)
    return (now, row.events, first, last, row.origins)


class _Statements:
    """A batch's writes, as parameters built on the event loop and statements run on the
    connection's thread."""

    def __init__(self, writes: WriteSet, now: int) -> None:
        outcome = writes.outcome
        self._deltas = len(writes.deltas)
        many: list[tuple[str, list[tuple[Any, ...]]]] = []
        one: list[tuple[str, tuple[Any, ...]]] = []
        if outcome.transfers:
            one.append((_INSERT_TRANSFERS, _transfer_rows(outcome)))
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
            many.append((_INSERT_PENDINGS, pendings))
        changed = [*outcome.resolved, *outcome.expired]
        if changed:
            states = [(p.state.value, p.resolved_seq, p.id.bytes) for p in changed]
            many.append((_UPDATE_PENDINGS, states))
        if writes.buckets:
            values = [
                (
                    b.debits_pending,
                    b.debits_posted,
                    b.credits_pending,
                    b.credits_posted,
                    b.account_id.bytes,
                    b.bucket,
                )
                for b in writes.buckets
            ]
            many.append((_SET_BUCKETS, values))
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
            many.append((_INSERT_HISTORY, history))
        if writes.outbox is not None:
            one.append((_INSERT_OUTBOX, _outbox_values(writes.outbox, now)))
        self._many = many
        self._one = one
        small = [d for d in writes.deltas if d[1] < _SMALL_DELTA and d[2] < _SMALL_DELTA]
        large = [d for d in writes.deltas if d[1] >= _SMALL_DELTA or d[2] >= _SMALL_DELTA]
        self._moves: list[tuple[str, tuple[str, bytes, int]]] = []
        if small:
            packed = [debits << 31 | credits for _, debits, credits in small]
            self._moves.append((_ADD_SMALL_DELTAS, _delta_params(packed, small)))
        if large:
            pairs = [(debits, credits) for _, debits, credits in large]
            self._moves.append((_ADD_DELTAS, _delta_params(pairs, large)))

    def run(self, conn: sqlite3.Connection) -> None:
        """On the connection's thread, inside the batch's transaction."""
        if self._moves:
            updated = sum(conn.execute(sql, params).rowcount for sql, params in self._moves)
            if updated != self._deltas:
                raise DeltasRefused(f"{updated} rows updated, expected {self._deltas}")
        for sql, params in self._one:
            conn.execute(sql, params)
        for sql, rows in self._many:
            conn.executemany(sql, rows)


def _delta_params(
    values: Sequence[object], deltas: Sequence[PostedDelta]
) -> tuple[str, bytes, int]:
    """A delta statement's parameters: one JSON value per account, and the accounts' UUIDs."""
    return _json(values).decode(), b"".join([d[0].bytes for d in deltas]), DELTA_CAP


def _transfer_rows(outcome: BatchOutcome) -> tuple[str, bytes, bytes, bytes]:
    """_INSERT_TRANSFERS' parameters: the JSON rows (tenant, ledger, pending index or null,
    metadata), the blob of (id, debit, credit) UUIDs, the blob of pending ids a row points into,
    and the blob of the rows' integer columns."""
    rows: list[tuple[object, ...]] = []
    ids: list[bytes] = []
    pending_ids: list[bytes] = []
    numbers: list[bytes] = []
    for t, meta in zip(outcome.transfers, outcome.metadata_json, strict=True):
        pending = None
        if t.pending_id is not None:
            pending = len(pending_ids)
            pending_ids.append(t.pending_id.bytes)
        ids.append(t.id.bytes + t.debit_account_id.bytes + t.credit_account_id.bytes)
        numbers.append(
            _NUMBER_TEXT % (t.seq, t.amount, t.code, int(t.flags), t.timeout, t.timestamp)
        )
        rows.append((t.tenant, t.ledger, pending, meta.decode() if meta is not None else None))
    packed = b"".join(numbers)
    if len(packed) != _NUMBERS * len(numbers):
        # Every column is a 64-bit integer, at most 19 digits; anything wider would shift the
        # slices of the rows after it.
        raise ValueError("a transfer's integer column does not fit in 19 digits")
    return _json(rows).decode(), b"".join(ids), b"".join(pending_ids), packed


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


_ACCOUNT_WITH_BALANCE: Final = (
    f"SELECT {ACCOUNT_COLUMNS}, sum(b.debits_pending), sum(b.debits_posted),"
    " sum(b.credits_pending), sum(b.credits_posted)"
    " FROM accounts a JOIN account_balances b ON b.account_id = a.id"
)


def _qmark(_: int) -> str:
    return "?"


class SqliteStore:
    @property
    def kind(self) -> Literal["sqlite", "postgresql"]:
        return "sqlite"

    @property
    def chained_writer(self) -> ChainedWriter:
        return self

    def __init__(self, db: aiosqlite.Connection, reads: aiosqlite.Connection) -> None:
        self._db = db
        #: Reads outside a transaction use a connection of their own: on the writer's they
        #: would see a batch's rows before it commits (or rolls back), and wait behind writes.
        self._reads = reads
        # One writer per process; SQLite's own lock orders writers across processes.
        self._write_lock = asyncio.Lock()
        #: Write transactions begun on this connection, and the number of the last committed.
        self._begun = 0
        self._committed = 0

    @classmethod
    async def connect(cls, path: str) -> SqliteStore:
        # The connection's thread takes the GIL back after every statement. Under the default
        # 5 ms switch interval a busy event loop would hold each statement's end that long,
        # longer than a whole batch's write takes (docs/ledger-engine.md, "Chained batches").
        sys.setswitchinterval(min(sys.getswitchinterval(), _SWITCH_INTERVAL))
        db = await connect_sqlite(
            path,
            extra=(
                "PRAGMA cache_size = -65536",
                # A batch dirties thousands of index pages; checkpointing every 10,000 pages of
                # WAL instead of 1,000 writes each page once for many commits, not once per commit.
                "PRAGMA wal_autocheckpoint = 10000",
            ),
        )
        reads = await connect_sqlite(path, read_only=True)
        return cls(db, reads)

    async def close(self) -> None:
        await self._reads.close()
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._write_lock:
            self._begun += 1
            number = self._begun
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._db, number)
                # Counted on the thread, with the commit itself: a caller cancelled while it
                # waits still leaves the count right.
                await _on_thread(self._db, partial(self._commit, number))
            except BaseException:
                # On the thread too, behind anything queued: a COMMIT already on its way
                # leaves no transaction to roll back.
                await _on_thread(self._db, _roll_back)
                raise

    def _commit(self, number: int, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")
        self._committed = number

    async def write_chained(
        self, write: ChainedWrite, queued: Callable[[WriterOrder], object]
    ) -> ChainedResult:
        statements = _Statements(write.writes, write.now)
        async with self._write_lock:
            # Held only while queueing: the whole transaction is one call on the connection's
            # thread, so nothing can run between its statements.
            self._begun += 1
            number = self._begun
            running = await _queue_on_thread(
                self._db, partial(self._chained, write, statements, number)
            )
        queued(WriterOrder(number, write.data_version))
        return await running

    def _chained(
        self, write: ChainedWrite, statements: _Statements, number: int, conn: sqlite3.Connection
    ) -> ChainedResult:
        """On the connection's thread: admit, check what the rules assumed, write, commit."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            ((block, epoch, data_version),) = conn.execute(_ADMIT).fetchall()
            # Nothing began between the chain's transaction and this one (numbers are drawn
            # in the order the thread runs them), and that one committed.
            assumed = (
                number == write.after + 1
                and self._committed == write.after
                and data_version == write.data_version
                and block == write.block
                and (epoch or 0) == write.status_epoch
                and not conn.execute(_DUE, (write.now, 1)).fetchall()
            )
            result: ChainedResult = "written"
            if not assumed:
                result = "moved"
            elif write.refused and _any_transfer(conn, write.refused):
                result = "reused"
            else:
                statements.run(conn)
            conn.execute("COMMIT" if result == "written" else "ROLLBACK")
        except BaseException:
            _roll_back(conn)
            raise
        if result == "written":
            self._committed = number
        return result

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)

    def is_duplicate(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    async def _select_in(
        self, sql: str, ids: Sequence[uuid.UUID], extra: tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        return await SqliteTransaction(self._reads)._select_in(sql, ids, extra)

    async def get_accounts(
        self, ids: Sequence[uuid.UUID], now: int, *, tenant: str | None = None
    ) -> list[Account]:
        scope, params = tenant_filter(tenant, "a.tenant", _qmark)
        rows = await self._select_in(
            f"{_ACCOUNT_WITH_BALANCE} WHERE a.id IN (?*){scope} GROUP BY a.id", ids, tuple(params)
        )
        return await self._accounts(rows, now)

    async def list_accounts(
        self, query: AccountFilter, now: int, *, tenant: str | None = None
    ) -> list[Account]:
        after = query.after.bytes if query.after is not None else None
        filters, params = account_filters(query, tenant, after, _qmark)
        rows = list(
            await self._reads.execute_fetchall(
                f"{_ACCOUNT_WITH_BALANCE} WHERE 1 = 1{filters} GROUP BY a.id ORDER BY a.id LIMIT ?",
                (*params, query.limit + 1),
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
        rows = await self._reads.execute_fetchall(
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

    async def get_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]:
        scope, params = tenant_filter(tenant, "tenant", _qmark)
        rows = await self._select_in(
            f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id IN (?*){scope}", ids, tuple(params)
        )
        return [_transfer(r) for r in rows]

    async def get_pendings(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[PendingRecord]:
        scope, params = tenant_filter(tenant, "tenant", _qmark)
        rows = await self._select_in(
            f"SELECT {PENDING_COLUMNS} FROM pending_transfers WHERE id IN (?*){scope}",
            ids,
            tuple(params),
        )
        return [_pending(r) for r in rows]

    async def account_transfers(self, query: TransferQuery) -> list[Transfer]:
        sides = {
            "debits": ["debit_account_id"],
            "credits": ["credit_account_id"],
            "both": ["debit_account_id", "credit_account_id"],
        }[query.direction]
        filters, params = range_filters(query, _qmark)
        order = "DESC" if query.reverse else "ASC"
        selects = []
        all_params: list[Any] = []
        for side in sides:
            selects.append(f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE {side} = ?{filters}")
            all_params.extend([query.account_id.bytes, *params])
        sql = " UNION ALL ".join(selects) + f" ORDER BY seq {order} LIMIT ?"
        rows = await self._reads.execute_fetchall(sql, (*all_params, query.limit + 1))
        return [_transfer(r) for r in rows]

    async def account_history(self, query: HistoryQuery) -> list[AccountBalance]:
        filters, params = range_filters(query, _qmark)
        order = "DESC" if query.reverse else "ASC"
        rows = await self._reads.execute_fetchall(
            "SELECT seq, timestamp, debits_pending, debits_posted, credits_pending,"
            f" credits_posted FROM account_history WHERE account_id = ?{filters}"
            f" ORDER BY seq {order} LIMIT ?",
            (query.account_id.bytes, *params, query.limit + 1),
        )
        return [AccountBalance(query.account_id, *r) for r in rows]

    async def debit_activity(
        self, account_id: uuid.UUID, codes: Sequence[int], since: int, split: int
    ) -> list[DebitActivity]:
        sql = debit_activity_sql(_qmark, len(codes))
        rows = await self._reads.execute_fetchall(sql, (split, account_id.bytes, since, *codes))
        return [DebitActivity(r[0], bool(r[1]), r[2], r[3]) for r in rows]

    async def fold_from_log(self) -> dict[uuid.UUID, tuple[int, int, int, int]]:
        rows = await self._reads.execute_fetchall(checks.FOLD_FROM_LOG)
        return {_u(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def balances(self) -> list[AccountTotals]:
        rows = await self._reads.execute_fetchall(checks.BALANCES)
        return [AccountTotals(_u(r[0]), r[1], r[2], r[3], (r[4], r[5], r[6], r[7])) for r in rows]

    async def pending_mismatches(self) -> list[tuple[uuid.UUID, str]]:
        rows = await self._reads.execute_fetchall(checks.PENDING_MISMATCHES)
        return [(_u(r[0]), r[1]) for r in rows]

    async def split_accounts(self) -> dict[uuid.UUID, AccountSplit]:
        rows = await self._reads.execute_fetchall(
            "SELECT account_id, buckets, resized_at, hot_at, pinned FROM account_buckets"
            " WHERE buckets > 1 OR pinned"
        )
        return {_u(r[0]): AccountSplit(r[1], r[2], r[3], bool(r[4])) for r in rows}

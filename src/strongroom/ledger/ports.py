"""The ports of the ledger: what it needs from a database, implemented by `strongroom.store`
(`store/sqlite.py`, `store/postgres.py`). The ledger never imports the store; the composition
root (`strongroom.bootstrap`) hands it an adapter.

A write batch runs inside `transaction()`: the engine reads and locks what the batch touches, runs
the pure rules, then calls `write_*`. Reads outside a transaction see committed data only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol, Self

from strongroom.errors import StorageError
from strongroom.ledger.buckets import AccountSplit, BucketResize, BucketRow, BucketWrite
from strongroom.ledger.queries import AccountFilter, HistoryQuery, TransferQuery
from strongroom.ledger.rules import BatchOutcome, PendingRecord
from strongroom.ledger.types import Account, AccountBalance, AccountStatus, DebitActivity, Transfer

#: Sequence numbers are handed out in blocks of 2**20, one block per batch, so a batch needs one
#: round trip to number all its transfers. seq is strictly increasing, not dense.
SEQ_BLOCK_BITS = 20


#: A delta is added only while the row's counters (and pending + posted) stay at most this, so
#: that no transfer of at most 2**63 - 1 - DELTA_CAP could have overflowed them. Accounts holding
#: more are written the locked way, where the rules see their real counters.
DELTA_CAP = 2**62


#: (account id, debits_posted delta, credits_posted delta), added to the account's bucket 0.
#: Delta accounts never change pending counters: reservations always lock their accounts.
PostedDelta = tuple[uuid.UUID, int, int]


class DeltasRefused(Exception):
    """A balance delta found no row it could add to: a counter (or pending + posted) would pass
    DELTA_CAP, or the row is missing. The batch reruns with every row locked and read."""


class WriterOrder(NamedTuple):
    """Where a transaction stands among the writers of a store with one writer (SQLite)."""

    #: This transaction's number on its connection, drawn in the order they run.
    transaction: int
    #: Changes whenever another connection commits (SQLite's PRAGMA data_version).
    data_version: int


class Admission(NamedTuple):
    """What `LedgerTransaction.admit_batch` returns."""

    block: int
    status_epoch: int
    due: list[PendingRecord]
    #: Set by stores with one writer (see `LedgerStore.chained_writer`).
    order: WriterOrder | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """What one ledger transaction writes to the outbox (docs/events.md): `events`, a JSON array
    of envelopes, then the `ledger.transfer.created` events of the transfers whose seq lies in
    `transfers` (inclusive), caused as `origins` says (strongroom.events.transfer_refs)."""

    events: bytes
    transfers: tuple[int, int] | None = None
    origins: bytes | None = None


@dataclass(frozen=True, slots=True)
class AccountMeta:
    """What the rules need of an account besides its counters. Only `status` ever changes, and
    every change bumps the status epoch (see `LedgerTransaction.admit_batch`)."""

    id: uuid.UUID
    ledger: str
    flags: int
    overdraft_limit: int
    status: str
    tenant: str


@dataclass(frozen=True, slots=True)
class AccountTotals:
    id: uuid.UUID
    ledger: str
    flags: int
    overdraft_limit: int
    counters: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class WriteSet:
    """Everything a decided batch writes (strongroom.ledger.engine.writeset builds it)."""

    #: The transfers, pending records and history rows the rules produced.
    outcome: BatchOutcome
    #: Locked accounts' bucket rows, set to these values.
    buckets: Sequence[BucketWrite]
    #: Delta accounts' moves, added to their bucket 0 in account id order (the lock order).
    deltas: Sequence[PostedDelta]
    outbox: OutboxRow | None


class LedgerTransaction(Protocol):
    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]: ...

    async def insert_accounts(self, rows: Sequence[tuple[Account, bytes | None]]) -> None: ...

    async def peek_pendings(self, ids: Sequence[uuid.UUID]) -> list[PendingRecord]:
        """Pending records without locking them: only to learn which accounts to lock."""
        ...

    async def lock_buckets(
        self, whole: Sequence[uuid.UUID], pairs: Sequence[tuple[uuid.UUID, int]]
    ) -> list[BucketRow]:
        """Lock and read every bucket row of the `whole` accounts and the single (account,
        bucket) rows of `pairs`, in (account, bucket) order, so that no two batches deadlock."""
        ...

    async def lock_pendings(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PendingRecord]: ...

    async def account_meta(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        """The accounts among `ids` that exist, without locking anything."""
        ...

    async def load_transfers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Transfer]: ...

    async def admit_batch(self, now: int, due_limit: int) -> Admission:
        """Admit the batch among the writers: its seq block, the status epoch, and at most
        `due_limit` pending transfers whose timeout has passed by `now`, soonest first.

        The batch numbers its changes from block << SEQ_BLOCK_BITS. Admission is shared with
        other batches: until the batch ends, no status change can commit (see
        `exclude_writers`). The epoch, a number every account status change increases, is read
        once admitted, so it tells whether statuses cached before are still those of this
        transaction."""
        ...

    async def exclude_writers(self) -> None:
        """Wait until no write batch is running and keep new ones out until this transaction
        ends; call first in a transaction that changes an account's status."""
        ...

    async def write_outcome(
        self, writes: WriteSet, now: int, queued: Callable[[], object] | None = None
    ) -> None:
        """Insert the outcome and its outbox row, set the `buckets` rows to their values and add
        the `deltas` to bucket 0 of their accounts (rows not locked before); DeltasRefused when
        a delta cannot apply. A one-writer store calls `queued` as soon as every statement is
        handed to its connection, before they run: whatever the connection does next comes
        after them (other stores ignore it)."""
        ...

    async def resize_buckets(self, resize: BucketResize, now: int) -> bool:
        """Split (or merge back) an account's balance into `resize.buckets` rows at `now`, and
        record it as hot at `now`, unless the account was resized within `resize.cooldown_ns`,
        is pinned and the resize automatic, or (a merge with `cold_ns`) was recorded hot within
        `cold_ns`; claimed in `account_buckets`, so that processes agree. A resize by hand also
        pins or unpins the account. True when the bucket count changed."""
        ...

    async def record_hot(self, hot_at: Mapping[uuid.UUID, int]) -> None:
        """Record that each split account was found hot at the given time (ns), unless a later
        time is recorded already."""
        ...

    async def set_status(self, account_id: uuid.UUID, status: AccountStatus) -> None:
        """Change the status and bump the status epoch."""
        ...

    async def write_events(self, events: bytes, now: int) -> None: ...


@dataclass(frozen=True, slots=True)
class ChainedWrite:
    """A batch whose rules ran before its admission (strongroom.ledger.engine.chain): what they
    assumed the admission would be, and what the batch writes when it is."""

    #: The transaction it must follow directly, and the data version it must find.
    after: int
    data_version: int
    block: int
    status_epoch: int
    #: No pending transfer may be due at `now`.
    now: int
    #: Ids of the transfers the rules refused: none may be in the log already.
    refused: Sequence[uuid.UUID]
    writes: WriteSet


#: How a chained write ended: committed, or rolled back because its admission was not the one
#: assumed ("moved") or a refused transfer's id is in the log ("reused").
ChainedResult = Literal["written", "moved", "reused"]


class ChainedWriter(Protocol):
    async def write_chained(
        self, write: ChainedWrite, queued: Callable[[WriterOrder], object]
    ) -> ChainedResult:
        """Run `write` as one transaction of its own, queued behind the transactions already
        queued. `queued` is called with its order as soon as it is queued: whatever the store
        runs next comes after it. DeltasRefused and database errors roll it back and raise."""
        ...


class LedgerStore(Protocol):
    @property
    def kind(self) -> Literal["sqlite", "postgresql"]: ...

    @property
    def chained_writer(self) -> ChainedWriter | None:
        """Set when write transactions run one at a time, in the order this process opens them,
        and `Admission.order` tells what committed before each: the engine then chains batches
        (strongroom.ledger.engine.chain)."""
        ...

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[LedgerTransaction]: ...

    def is_transient(self, error: BaseException) -> bool:
        """True for failures a whole-batch retry can cure (deadlock, serialization, a race on a
        unique id between processes)."""
        ...

    def is_duplicate(self, error: BaseException) -> bool:
        """True for a unique violation: a row the batch inserted (a transfer id) exists."""
        ...

    # Reads: `tenant` given, only what belongs to that tenant. A listing returns up to one
    # item more than its `limit`: that item tells the ledger that another page follows.

    async def get_accounts(
        self, ids: Sequence[uuid.UUID], now: int, *, tenant: str | None = None
    ) -> list[Account]:
        """The accounts among `ids`, their counters without the reservations due by `now`."""
        ...

    async def get_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]: ...

    async def get_pendings(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[PendingRecord]: ...

    async def account_transfers(self, query: TransferQuery) -> list[Transfer]: ...

    async def account_history(self, query: HistoryQuery) -> list[AccountBalance]: ...

    async def debit_activity(
        self, account_id: uuid.UUID, codes: Sequence[int], since: int, split: int
    ) -> list[DebitActivity]:
        """The account's debits with a code in `codes` from timestamp `since`, summed by code
        and by side of `split` (see DebitActivity); no row for a (code, side) without any."""
        ...

    async def list_accounts(
        self, query: AccountFilter, now: int, *, tenant: str | None = None
    ) -> list[Account]: ...

    async def fold_from_log(self) -> dict[uuid.UUID, tuple[int, int, int, int]]: ...

    async def split_accounts(self) -> dict[uuid.UUID, AccountSplit]:
        """The accounts split over more than one bucket row or pinned, as `account_buckets`
        holds them."""
        ...

    async def balances(self) -> list[AccountTotals]: ...

    async def pending_mismatches(self) -> list[tuple[uuid.UUID, str]]: ...


# Snapshots and repair (strongroom.ledger.snapshots, strongroom.ledger.reconcile), implemented
# by store/snapshots.py and store/repair.py. They run on connections of their own, never the
# batch engine's, so they have stores of their own.

#: An account's counters: debits_pending, debits_posted, credits_pending, credits_posted.
Counters = tuple[int, int, int, int]
#: The counters of an account nothing has moved.
ZERO_COUNTERS: Counters = (0, 0, 0, 0)
#: The names of `Counters`, in their order.
COUNTER_NAMES = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


class WatermarkBusy(StorageError):
    """The watermark lock was not granted in time: a write batch stayed open (try again)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every account's counters after exactly the log entries with seq <= `seq`."""

    seq: int
    taken_at: int
    #: Accounts whose counters were not all zero (the only ones a snapshot stores).
    accounts: int


@dataclass(frozen=True, slots=True)
class BucketProblem:
    """A bucket row, or a held reservation's bucket, that breaks the bucket rules."""

    account_id: uuid.UUID
    bucket: int | None
    problem: str


class BucketedAccount(NamedTuple):
    """An account split over more than the default single bucket row."""

    account_id: uuid.UUID
    buckets: int
    resized_at: int
    #: When some process last saw it hot (wall-clock ns), and whether an operator pinned its
    #: bucket count (automatic compaction leaves it alone).
    hot_at: int
    pinned: bool


class SnapshotView(Protocol):
    """Reads of snapshots and the log, all in one consistent view."""

    async def snapshot_at_or_below(self, seq: int) -> Snapshot | None: ...

    async def list_snapshots(self) -> list[Snapshot]: ...

    async def snapshot_counters(self, seq: int, account_id: uuid.UUID) -> Counters:
        """The account's counters in snapshot `seq` (zero when it holds no row for it)."""
        ...

    async def log_between(self, account_id: uuid.UUID, after: int, upto: int) -> Counters:
        """What the log moved on the account over seq in (after, upto]: reservations made there
        are added, reservations resolved there (by post, void or expiry) are taken off."""
        ...

    async def seq_at_timestamp(self, timestamp: int) -> int:
        """The largest seq of a transfer stamped at or before `timestamp` (0: none)."""
        ...

    async def latest_block_watermark(self) -> int:
        """The highest seq any batch may have used so far (committed or not)."""
        ...


class SnapshotStore(Protocol):
    def read(self) -> AbstractAsyncContextManager[SnapshotView]: ...

    async def take(self, now: int, lock_timeout: float | None) -> Snapshot:
        """Record a snapshot as of the current watermark (docs/ledger-engine.md), stamped
        `now`; the existing one when nothing moved since. `lock_timeout`: seconds to wait for
        open write batches before raising WatermarkBusy (None: as long as they take)."""
        ...

    async def close(self) -> None: ...


class RepairView(Protocol):
    """Reads for reconcile, all in one consistent view. Pages of accounts are given by their
    lowest and highest id."""

    async def count_accounts(self) -> int: ...

    async def account_page(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """At most `limit` account ids above `after`, in id order."""
        ...

    async def stored_sums(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        """Each account's counters summed over its bucket rows (zero with no rows at all)."""
        ...

    async def folded(self, lo: uuid.UUID, hi: uuid.UUID) -> dict[uuid.UUID, Counters]:
        """Each account's counters folded from the log (reservations held while pending)."""
        ...

    async def bucket_problems(self, lo: uuid.UUID, hi: uuid.UUID) -> list[BucketProblem]: ...

    async def bucketed_accounts(self, limit: int) -> list[BucketedAccount]:
        """The accounts with the most buckets, most first."""
        ...


class BucketRewrite(Protocol):
    """A write transaction that rebuilds accounts' bucket rows from the log."""

    async def lock_accounts(self, ids: Sequence[uuid.UUID]) -> None:
        """Lock every bucket row of `ids` in the batches' order, then their bucket counts: no
        batch touches these accounts until the transaction ends."""
        ...

    async def folded_for(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Counters]: ...

    async def rewrite_from_log(self, totals: dict[uuid.UUID, Counters], now: int) -> None:
        """Bucket 0 := the folded totals, other buckets gone, one bucket from `now`, and held
        reservations moved to bucket 0. Call with the accounts locked."""
        ...


class SnapshotRebuild(Protocol):
    """A write transaction that replaces every snapshot."""

    async def list_snapshots(self) -> list[Snapshot]: ...

    async def fold_as_of(self, seq: int) -> dict[uuid.UUID, Counters]:
        """Every account's counters after the log up to `seq`, leaving out all-zero accounts
        (as snapshots do)."""
        ...

    async def snapshot_rows(self, seq: int) -> dict[uuid.UUID, Counters]: ...

    async def delete_all(self) -> None: ...

    async def insert_snapshot(self, snapshot: Snapshot, rows: dict[uuid.UUID, Counters]) -> None:
        """Store `snapshot` (its seq and taken_at) with `rows`, counting them as its accounts."""
        ...


class RepairStore(Protocol):
    def read(self) -> AbstractAsyncContextManager[RepairView]: ...

    def rewrite(self) -> AbstractAsyncContextManager[BucketRewrite]: ...

    def rebuild_snapshots(self) -> AbstractAsyncContextManager[SnapshotRebuild]: ...

    def is_transient(self, error: BaseException) -> bool:
        """True for failures a retry of the whole rewrite can cure (a deadlock)."""
        ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

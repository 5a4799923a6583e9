"""The ports of the ledger: what it needs from a database, implemented by `strongroom.store`
(`store/sqlite.py`, `store/postgres.py`). The ledger never imports the store; the composition
root (`strongroom.bootstrap`) hands it an adapter.

A write batch runs inside `transaction()`: the engine reads and locks what the batch touches, runs
the pure rules, then calls `write_*`. Reads outside a transaction see committed data only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

from strongroom.ledger.buckets import BucketRow, BucketWrite
from strongroom.ledger.rules import BatchOutcome, PendingRecord
from strongroom.ledger.types import Account, AccountBalance, AccountStatus, Transfer

Direction = Literal["debits", "credits", "both"]

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
class TransferQuery:
    account_id: uuid.UUID
    direction: Direction = "both"
    seq_min: int | None = None
    seq_max: int | None = None
    timestamp_min: int | None = None
    timestamp_max: int | None = None
    code: int | None = None
    limit: int = 100
    reverse: bool = False
    #: Exclusive bound continuing a previous page (a seq).
    after_seq: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    account_id: uuid.UUID
    seq_min: int | None = None
    seq_max: int | None = None
    timestamp_min: int | None = None
    timestamp_max: int | None = None
    limit: int = 100
    reverse: bool = False
    after_seq: int | None = None


@dataclass(frozen=True, slots=True)
class AccountTotals:
    id: uuid.UUID
    ledger: str
    flags: int
    overdraft_limit: int
    counters: tuple[int, int, int, int]


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
        self,
        outcome: BatchOutcome,
        buckets: Sequence[BucketWrite],
        deltas: Sequence[PostedDelta],
        outbox: OutboxRow | None,
        now: int,
        queued: Callable[[], object] | None = None,
    ) -> None:
        """Insert the outcome and its outbox row, set `buckets` rows to their values and add
        `deltas` to bucket 0 of their accounts (rows not locked before); DeltasRefused when a
        delta cannot apply. A one-writer store calls `queued` as soon as every statement is
        handed to its connection, before they run: whatever the connection does next comes
        after them (other stores ignore it)."""
        ...

    async def resize_buckets(
        self, account_id: uuid.UUID, buckets: int, now: int, cooldown_ns: int
    ) -> bool:
        """Split (or merge back) an account's balance into `buckets` rows, unless another
        process resized it within the cooldown. True when this call resized it."""
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
    outcome: BatchOutcome
    buckets: Sequence[BucketWrite]
    deltas: Sequence[PostedDelta]
    outbox: OutboxRow | None


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

    async def get_accounts(self, ids: Sequence[uuid.UUID], now: int) -> list[Account]: ...

    async def get_transfers(self, ids: Sequence[uuid.UUID]) -> list[Transfer]: ...

    async def get_pendings(self, ids: Sequence[uuid.UUID]) -> list[PendingRecord]: ...

    async def account_transfers(self, query: TransferQuery) -> list[Transfer]: ...

    async def account_history(self, query: HistoryQuery) -> list[AccountBalance]: ...

    async def list_accounts(
        self, tenant: str | None, after: uuid.UUID | None, limit: int, now: int
    ) -> list[Account]: ...

    async def fold_from_log(self) -> dict[uuid.UUID, tuple[int, int, int, int]]: ...

    async def bucket_counts(self) -> dict[uuid.UUID, int]:
        """Accounts split over more than one bucket row, and into how many."""
        ...

    async def balances(self) -> list[AccountTotals]: ...

    async def pending_mismatches(self) -> list[tuple[uuid.UUID, str]]: ...

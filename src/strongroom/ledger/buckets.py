"""Bucket-partitioned balances: how a batch sees, and writes back, a hot account split in K rows.

An account's counters are the sum of its bucket rows. A batch locks either ONE bucket of an
account (the one this worker owns, so that workers and processes write the same hot account
in parallel) or ALL of them. In single-bucket mode the rules see that bucket alone, with the
overdraft limit counted in bucket 0 only; because every bucket of a limited account keeps
its own debits within its own credits (plus bucket 0's overdraft), the sum does too. When a
debit against a limit (or a balancing transfer) does not fit in the one bucket, the batch is
retried with ALL buckets locked, which sees the exact balance; its write-back spreads the
free funds evenly over the buckets again. Reservations (pending transfers) always live in
bucket 0, and any batch that reserves, posts, voids or expires on a split account locks all
of its buckets. Accounts with the history flag are never split: their history needs the
whole balance after every transfer.

`SplitPolicy` decides when an account is split or merged back, from this process's contention
and from the split state all processes share (`AccountSplit`); the engine applies its
`BucketResize`s. Pure: no I/O, and no import of the engine or the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from strongroom.ledger.rules import BalanceState
from strongroom.ledger.types import STATUS_BY_VALUE, AccountFlags

ALL: Final = -1

_DMNEC: Final = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CMNED: Final = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)


@dataclass(frozen=True, slots=True)
class BucketRow:
    account_id: uuid.UUID
    bucket: int
    ledger: str
    flags: int
    overdraft_limit: int
    status: str
    tenant: str
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


@dataclass(frozen=True, slots=True)
class BucketWrite:
    account_id: uuid.UUID
    bucket: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


def choose(k: int, slot: int, needs_all: bool) -> int:
    """The bucket a worker with `slot` uses for an account split in `k` rows, or ALL.

    An account this process believes unsplit is locked whole: if another process split it
    meanwhile, the batch still sees (and sums) every bucket row.
    """
    if k <= 1 or needs_all:
        return ALL
    return slot % k


def view(rows: Sequence[BucketRow], mode: int) -> BalanceState:
    """What the rules see of one account: its one locked bucket, or the sum of all of them."""
    first = rows[0]
    if len(rows) == 1 and mode == ALL:
        return BalanceState(
            first.account_id,
            first.ledger,
            first.flags,
            first.overdraft_limit,
            STATUS_BY_VALUE[first.status],
            first.tenant,
            first.debits_pending,
            first.debits_posted,
            first.credits_pending,
            first.credits_posted,
        )
    if mode != ALL:
        (row,) = rows
        state = BalanceState(
            first.account_id,
            first.ledger,
            first.flags,
            first.overdraft_limit if row.bucket == 0 else 0,
            STATUS_BY_VALUE[first.status],
            first.tenant,
            row.debits_pending,
            row.debits_posted,
            row.credits_pending,
            row.credits_posted,
        )
        state.partial = True
        return state
    return BalanceState(
        first.account_id,
        first.ledger,
        first.flags,
        first.overdraft_limit,
        STATUS_BY_VALUE[first.status],
        first.tenant,
        sum(r.debits_pending for r in rows),
        sum(r.debits_posted for r in rows),
        sum(r.credits_pending for r in rows),
        sum(r.credits_posted for r in rows),
    )


def write_back(state: BalanceState, rows: Sequence[BucketRow], mode: int) -> list[BucketWrite]:
    """Bucket rows that make the account's new totals, keeping every bucket within its limit."""
    account = state.id
    debits_pending, debits_posted, credits_pending, credits_posted = state.counters()
    if mode != ALL or len(rows) == 1:
        (row,) = rows
        return [
            BucketWrite(
                account, row.bucket, debits_pending, debits_posted, credits_pending, credits_posted
            )
        ]
    k = len(rows)
    others = [r for r in rows if r.bucket != 0]
    if state.flags & _DMNEC:
        free = credits_posted + state.overdraft_limit - debits_posted - debits_pending
        share = max(0, min(free // k, credits_posted // (k - 1)))
        writes = [BucketWrite(account, r.bucket, 0, 0, 0, share) for r in others]
        credits_posted -= share * (k - 1)
    elif state.flags & _CMNED:
        free = debits_posted + state.overdraft_limit - credits_posted - credits_pending
        share = max(0, min(free // k, debits_posted // (k - 1)))
        writes = [BucketWrite(account, r.bucket, 0, share, 0, 0) for r in others]
        debits_posted -= share * (k - 1)
    else:
        # No limit to respect: the other buckets keep what they hold, bucket 0 takes the rest.
        writes = [
            BucketWrite(account, r.bucket, 0, r.debits_posted, 0, r.credits_posted) for r in others
        ]
        debits_posted -= sum(r.debits_posted for r in others)
        credits_posted -= sum(r.credits_posted for r in others)
    bucket0 = BucketWrite(
        account, 0, debits_pending, debits_posted, credits_pending, credits_posted
    )
    return [bucket0, *writes]


def group(rows: Iterable[BucketRow]) -> dict[uuid.UUID, list[BucketRow]]:
    out: dict[uuid.UUID, list[BucketRow]] = {}
    for row in rows:
        out.setdefault(row.account_id, []).append(row)
    return out


@dataclass(frozen=True, slots=True)
class SplitSettings:
    """When the engine splits a hot account, and when it merges it back."""

    enabled: bool = True
    #: A batch that waited at least this long for its row locks counts as contended.
    lock_wait_seconds: float = 0.002
    #: An account is hot in a batch when it is in at least this share of the batch's
    #: transfers (and at least `hot_min` of them).
    hot_share: float = 0.1
    hot_min: int = 16
    #: Contended batches, while hot, before the account's bucket count doubles.
    strikes: int = 3
    max_buckets: int = 8
    #: No process resizes an account again within this time (kept in the database).
    cooldown_seconds: float = 10.0
    #: A split account no process has found hot for this long is merged back into one bucket.
    cold_seconds: float = 60.0
    #: A process records in the database that it found a split account hot at most this often
    #: per account, so a merge waits up to this much longer than `cold_seconds`.
    hot_record_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class AccountSplit:
    """An account's split as every process shares it (`account_buckets`); times in wall-clock
    nanoseconds since the Unix epoch, which every process agrees on (a monotonic clock is
    per process)."""

    buckets: int
    #: The last resize, by hand or automatic: no automatic resize within the cooldown.
    resized_at: int
    #: The latest time a process recorded finding the account hot (or resized it).
    hot_at: int
    #: Split by hand and pinned: never resized automatically.
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class BucketResize:
    """A resize to apply (`LedgerTransaction.resize_buckets`): `account_id` over `buckets` rows,
    1 merging it back into bucket 0."""

    account_id: uuid.UUID
    buckets: int
    #: Refused when the account was resized less than this long ago, by any process.
    cooldown_ns: int = 0
    #: A merge refused when any process recorded the account hot less than this long ago.
    cold_ns: int | None = None
    #: None: automatic, refused while the account is pinned. True or False: by hand, whatever
    #: the pin, and pins or unpins the account.
    pin: bool | None = None


class SplitPolicy:
    """Decides resizes (applied by the engine): splits from this process's contention, merges
    from the split state all processes share.

    Splitting is local: an account this process finds hot and contended `strikes` times doubles
    its buckets. Merging is shared: this process records when it finds a split account hot
    (`due_hot`, at most every `hot_record_seconds` per account), and merges an account only when
    the shared record (`refreshed`, read with the engine's periodic bucket refresh) says no
    process has found it hot for `cold_seconds` + `hot_record_seconds`: each process records a
    sighting less than `hot_record_seconds` after its last unrecorded one, so the account was
    cold everywhere for at least `cold_seconds`. Pinned accounts are never resized.

    Per batch, `observe` costs O(the batch's hot accounts); the split accounts are scanned once
    per refresh.
    """

    def __init__(self, settings: SplitSettings) -> None:
        self.settings = settings
        self._cooldown_ns = round(settings.cooldown_seconds * 1e9)
        self._record_ns = round(settings.hot_record_seconds * 1e9)
        self._cold_ns = round(settings.cold_seconds * 1e9) + self._record_ns
        self._strikes: dict[uuid.UUID, int] = {}
        #: The shared split state, as last refreshed.
        self._accounts: dict[uuid.UUID, AccountSplit] = {}
        #: When this process last recorded each split account hot, and what it has to record.
        self._recorded: dict[uuid.UUID, int] = {}
        self._due: dict[uuid.UUID, int] = {}
        #: Merges the last refresh found due, not yet asked for.
        self._cold: list[uuid.UUID] = []

    def observe(
        self,
        hot: list[uuid.UUID],
        lock_wait: float,
        now: int,
        unsplittable: set[uuid.UUID],
    ) -> list[BucketResize]:
        """Resizes to request after a batch that found `hot` hot, having waited `lock_wait`
        seconds for its locks, at `now` (wall clock, ns)."""
        s = self.settings
        if not s.enabled:
            return []
        wanted: list[BucketResize] = []
        for account in hot:
            state = self._accounts.get(account)
            if state is not None and state.pinned:
                continue
            k = state.buckets if state is not None else 1
            if k > 1:
                last = self._recorded.get(account)
                if last is None or now - last >= self._record_ns:
                    self._recorded[account] = now
                    self._due[account] = now
            if lock_wait < s.lock_wait_seconds or account in unsplittable:
                continue
            strikes = self._strikes.get(account, 0) + 1
            if strikes >= s.strikes and k < s.max_buckets:
                wanted.append(
                    BucketResize(account, min(k * 2, s.max_buckets), cooldown_ns=self._cooldown_ns)
                )
                strikes = 0
            self._strikes[account] = strikes
        if self._cold:
            hot_now = set(hot)
            wanted.extend(
                BucketResize(a, 1, cooldown_ns=self._cooldown_ns, cold_ns=self._cold_ns)
                for a in self._cold
                if a not in hot_now
            )
            self._cold = []
        return wanted

    def due_hot(self) -> dict[uuid.UUID, int]:
        """The split accounts this process found hot and has to record in the shared state now,
        each with when (ns); each is handed out once."""
        due, self._due = self._due, {}
        return due

    def refreshed(self, accounts: dict[uuid.UUID, AccountSplit], now: int) -> None:
        """Take the shared split state just read at `now` (wall clock, ns): the merges due."""
        self._accounts = accounts
        self._recorded = {a: t for a, t in self._recorded.items() if a in accounts}
        if not self.settings.enabled:
            return
        self._cold = [
            account
            for account, state in accounts.items()
            if state.buckets > 1
            and not state.pinned
            and now - state.hot_at > self._cold_ns
            and now - state.resized_at >= self._cooldown_ns
        ]

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
    #: A split account not hot for this long is merged back into one bucket.
    cold_seconds: float = 60.0


class SplitPolicy:
    """Per-process contention bookkeeping that decides resizes (applied by the engine)."""

    def __init__(self, settings: SplitSettings) -> None:
        self.settings = settings
        self._strikes: dict[uuid.UUID, int] = {}
        self._last_hot: dict[uuid.UUID, float] = {}

    def observe(
        self,
        hot: list[uuid.UUID],
        lock_wait: float,
        now: float,
        current: dict[uuid.UUID, int],
        unsplittable: set[uuid.UUID],
    ) -> list[tuple[uuid.UUID, int]]:
        """Resizes to request after a batch: (account, new bucket count)."""
        s = self.settings
        if not s.enabled:
            return []
        wanted: list[tuple[uuid.UUID, int]] = []
        for account in hot:
            self._last_hot[account] = now
            if lock_wait < s.lock_wait_seconds or account in unsplittable:
                continue
            strikes = self._strikes.get(account, 0) + 1
            k = current.get(account, 1)
            if strikes >= s.strikes and k < s.max_buckets:
                wanted.append((account, min(k * 2, s.max_buckets)))
                strikes = 0
            self._strikes[account] = strikes
        for account, k in current.items():
            if k > 1 and now - self._last_hot.get(account, 0.0) > s.cold_seconds:
                wanted.append((account, 1))
                self._last_hot[account] = now
        return wanted

"""Planning a batch: what its transfers touch, which accounts it locks and reads (and how many
of their buckets), and which it only adds deltas to (docs/ledger-engine.md, "Delta accounts"
and "Bucket-partitioned balances").

Pure functions over the batch's transfers and what the engine knows between batches (account
templates, split accounts, the worker's slot): no I/O, and no import of the store. Accounts are
keyed by `UUID.int`: `UUID.__hash__` is a Python-level method, and a batch looks ids up about
twenty times per transfer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from strongroom.ids import NIL
from strongroom.ledger.buckets import ALL, BucketRow, SplitSettings, choose
from strongroom.ledger.engine.queue import Call
from strongroom.ledger.ports import DELTA_CAP
from strongroom.ledger.rules import BalanceState, PendingRecord
from strongroom.ledger.types import AccountFlags, Transfer, TransferFlags
from strongroom.money import AMOUNT_MAX

_RESOLVES: Final = int(TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
_PENDING: Final = int(TransferFlags.PENDING)
_BALANCING: Final = int(TransferFlags.BALANCING_DEBIT | TransferFlags.BALANCING_CREDIT)
#: Accounts whose rules read the counters (limits, history) are always locked and read.
_NEEDS_COUNTERS: Final = int(
    AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.HISTORY
)
#: A transfer up to this amount cannot overflow a delta account's counters, which stay at most
#: DELTA_CAP; larger ones lock their accounts. So the rules' verdicts on delta accounts are
#: the exact ones whenever the deltas themselves do not overflow.
DELTA_SAFE_AMOUNT: Final = AMOUNT_MAX - DELTA_CAP
# A Struct's own C-level copy (msgspec's type stubs do not declare it): a delta account's
# state is a copy of its cached template.
_copy: Final[Callable[[BalanceState], BalanceState]] = getattr(BalanceState, "__copy__")  # noqa: B009


@dataclass(slots=True)
class Touched:
    """What a batch's transfers touch."""

    #: Every account named, giving back the UUID for the store and the metrics.
    ids: dict[int, uuid.UUID] = field(default_factory=dict)
    #: How many of the batch's transfers name each account (hot accounts).
    touches: dict[int, int] = field(default_factory=dict)
    #: Accounts whose every bucket the batch locks (reservations live in bucket 0).
    whole: set[int] = field(default_factory=set)
    #: Accounts the rules must see with their real counters (balancing, huge amounts).
    exact: set[int] = field(default_factory=set)
    #: Pending transfers the batch posts or voids.
    pending_refs: set[uuid.UUID] = field(default_factory=set)

    def including(
        self, pendings: Sequence[PendingRecord], escalated: Collection[uuid.UUID]
    ) -> Touched:
        """These touches, plus the accounts of `pendings` (due or posted or voided) and the
        `escalated` ones, all locked whole."""
        if not pendings and not escalated:
            return self
        ids = dict(self.ids)
        whole = set(self.whole)
        whole.update(a.int for a in escalated)
        for p in pendings:
            for account_id in (p.debit_account_id, p.credit_account_id):
                ids[account_id.int] = account_id
                whole.add(account_id.int)
        return Touched(ids, self.touches, whole, self.exact, self.pending_refs)


def touched(transfers: Sequence[Transfer]) -> Touched:
    out = Touched()
    ids, touches, whole, exact = out.ids, out.touches, out.whole, out.exact
    for t in transfers:
        flags = int(t.flags)
        if flags & _RESOLVES:
            if t.pending_id is not None:
                out.pending_refs.add(t.pending_id)
            continue
        debit = t.debit_account_id.int
        credit = t.credit_account_id.int
        ids[debit] = t.debit_account_id
        ids[credit] = t.credit_account_id
        touches[debit] = touches.get(debit, 0) + 1
        touches[credit] = touches.get(credit, 0) + 1
        if flags & _PENDING:
            # Reservations live in bucket 0 of a split account: see strongroom.ledger.buckets.
            whole.add(debit)
            whole.add(credit)
        elif flags & _BALANCING or t.amount > DELTA_SAFE_AMOUNT:
            exact.add(debit)
            exact.add(credit)
    # The zero id names no account (the rules answer `account_not_found`): nothing to plan.
    ids.pop(NIL.int, None)
    touches.pop(NIL.int, None)
    return out


def hot(touched: Touched, size: int, settings: SplitSettings) -> list[int]:
    """The accounts in at least `hot_share` of a batch's `size` transfers (and `hot_min`):
    locked, so that their lock wait feeds the split policy."""
    threshold = max(settings.hot_min, settings.hot_share * size)
    return [a for a, n in touched.touches.items() if n >= threshold]


@dataclass(slots=True)
class Batch:
    """The calls a worker took, as one list of transfers for the rules, and what they touch."""

    calls: Sequence[Call]
    transfers: list[Transfer]
    metadata_json: list[bytes | None]
    touched: Touched
    #: The accounts hot in the batch (keyed by UUID.int), and the same as UUIDs for the metrics.
    hot: list[int]
    hot_ids: list[uuid.UUID]

    @classmethod
    def of(cls, calls: Sequence[Call], split: SplitSettings) -> Batch:
        transfers: list[Transfer] = []
        metadata: list[bytes | None] = []
        for call in calls:
            transfers.extend(call.transfers)
            metadata.extend(call.metadata_json)
        touches = touched(transfers)
        hot_accounts = hot(touches, len(transfers), split)
        hot_ids = [touches.ids[a] for a in hot_accounts]
        return cls(calls, transfers, metadata, touches, hot_accounts, hot_ids)


@dataclass(slots=True)
class Plan:
    """Which accounts a batch locks, and how; the states of the ones it only adds deltas to."""

    #: The accounts planned for (`Touched.ids`).
    accounts: dict[int, uuid.UUID]
    #: How each locked account is locked: one bucket, or ALL of them.
    modes: dict[int, int] = field(default_factory=dict)
    #: The lock lists, in the database's lock order: accounts locked whole, single buckets.
    whole: list[uuid.UUID] = field(default_factory=list)
    pairs: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    #: The states the rules work on: zero-counter copies of the delta accounts' templates, to
    #: which deciding adds the locked accounts' views of their rows.
    balances: dict[int, BalanceState] = field(default_factory=dict)

    def stale(self, rows: Mapping[uuid.UUID, Sequence[BucketRow]]) -> bool:
        """True when a single bucket it locks is gone: another process merged the account."""
        accounts = self.accounts
        return any(mode > 0 and accounts[a] not in rows for a, mode in self.modes.items())


def _uuid_int(value: uuid.UUID) -> int:
    return value.int


def _pair_key(pair: tuple[uuid.UUID, int]) -> tuple[int, int]:
    return (pair[0].int, pair[1])


def plan(
    touched: Touched,
    templates: Mapping[int, BalanceState],
    hot: Iterable[int],
    split: Mapping[int, int],
    slot: int,
    exact: bool,
) -> Plan:
    """Which accounts the batch locks and reads (and how many of their buckets: `split` holds
    the bucket counts of split accounts, `slot` picks the worker's bucket), and which it only
    adds deltas to. Accounts without a template do not exist: the rules answer
    `account_not_found` for them. `exact` locks and reads every account."""
    out = Plan(touched.ids)
    locked = touched.exact | touched.whole
    locked.update(hot)
    for a, account_id in touched.ids.items():
        template = templates.get(a)
        if template is None:
            continue
        k = split.get(a, 1) if split else 1
        if exact or k > 1 or template.flags & _NEEDS_COUNTERS or a in locked:
            mode = choose(k, slot, a in touched.whole)
            out.modes[a] = mode
            if mode == ALL:
                out.whole.append(account_id)
            else:
                out.pairs.append((account_id, mode))
        else:
            # Nothing in this batch depends on its counters: the rules see zeros, and the
            # write adds what they moved (see docs/ledger-engine.md, "Delta accounts").
            out.balances[a] = _copy(template)
    # Sorting on .int is the database's byte order, without UUID.__lt__ in Python.
    out.whole.sort(key=_uuid_int)
    out.pairs.sort(key=_pair_key)
    return out

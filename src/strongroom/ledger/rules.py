"""The ledger's semantics as pure functions over in-memory state: no I/O, no clock, no database.

The engine loads (and locks) the rows a batch touches, hands them to `apply_transfers`, and
writes back what it returns. Keeping the rules here means they are tested and benchmarked
without a database, and both storage backends share them to the letter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import msgspec

from strongroom.ids import NIL
from strongroom.ledger.results import CreateAccountResult as AR
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.types import (
    Account,
    AccountBalance,
    AccountFlags,
    AccountStatus,
    PendingState,
    Transfer,
    TransferFlags,
)
from strongroom.money import AMOUNT_MAX, is_currency

#: Most items accepted by one create_accounts/create_transfers call.
BATCH_MAX: Final = 8190
#: Largest encoded metadata object, in bytes.
METADATA_MAX_BYTES: Final = 4096
#: Codes are small user-defined integers (an unsigned 16-bit range, 0 reserved).
CODE_MAX: Final = 65535
#: A pending transfer can be held for at most about 68 years (signed 32-bit seconds).
TIMEOUT_MAX: Final = 2**31 - 1
NS_PER_SECOND: Final = 1_000_000_000

# Flags as plain ints: enum.Flag arithmetic costs about a microsecond per operation, and the
# rules run several per transfer.
_DMNEC: Final = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CMNED: Final = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_HISTORY: Final = int(AccountFlags.HISTORY)
_LINKED: Final = int(TransferFlags.LINKED)
_PENDING: Final = int(TransferFlags.PENDING)
_POST: Final = int(TransferFlags.POST_PENDING)
_VOID: Final = int(TransferFlags.VOID_PENDING)
_BAL_DEBIT: Final = int(TransferFlags.BALANCING_DEBIT)
_BAL_CREDIT: Final = int(TransferFlags.BALANCING_CREDIT)
_TWO_PHASE: Final = _PENDING | _POST | _VOID
_OPEN: Final = AccountStatus.OPEN
# Enum members read per transfer are module constants: off the class each read costs ~0.25 µs.
_OK: Final = TR.OK
_EXISTS: Final = TR.EXISTS
_FROZEN: Final = AccountStatus.FROZEN
_set = msgspec.structs.force_setattr
# A Struct's own C-level copy (msgspec's type stubs do not declare it).
_copy: Final[Callable[[Transfer], Transfer]] = getattr(Transfer, "__copy__")  # noqa: B009


class BalanceState(msgspec.Struct, gc=False):
    """An account's working copy inside one batch: static fields plus the four counters.

    A batch builds one per account it touches: a `msgspec.Struct` builds in a third of the
    time of a slotted class, and `gc=False` keeps these short-lived objects (which hold no
    containers, so no cycles) out of the garbage collector's counts."""

    id: uuid.UUID
    ledger: str
    flags: int
    overdraft_limit: int
    status: AccountStatus
    tenant: str
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    changed: bool = False
    #: Only one bucket of a split account (strongroom.ledger.buckets): a refusal by a limit
    #: is not final, the whole balance might allow it.
    partial: bool = False

    def counters(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


class PendingRecord:
    """A pending transfer's reservation and its state, as locked for this batch."""

    __slots__ = (
        "amount",
        "code",
        "credit_account_id",
        "debit_account_id",
        "expires_at",
        "fresh",
        "id",
        "ledger",
        "resolved_seq",
        "state",
        "tenant",
    )

    def __init__(
        self,
        id: uuid.UUID,
        debit_account_id: uuid.UUID,
        credit_account_id: uuid.UUID,
        amount: int,
        ledger: str,
        code: int,
        tenant: str,
        expires_at: int,
        state: PendingState,
    ) -> None:
        self.id = id
        self.debit_account_id = debit_account_id
        self.credit_account_id = credit_account_id
        self.amount = amount
        self.ledger = ledger
        self.code = code
        self.tenant = tenant
        self.expires_at = expires_at
        self.state = state
        #: Created by the batch being applied: inserted with its final state, never updated.
        self.fresh = False
        #: seq of the post, void or expiry that ended the reservation.
        self.resolved_seq: int | None = None

    def is_due(self, now: int) -> bool:
        return self.state is PendingState.PENDING and 0 < self.expires_at <= now


@dataclass(slots=True)
class BatchState:
    """Everything a batch may read, loaded (and locked) by the engine before the rules run.

    Keyed by `uuid.UUID.int`: a UUID's own hash is a Python-level method, and a batch looks
    accounts and ids up about twenty times per transfer."""

    balances: dict[int, BalanceState]
    #: Stored transfers whose id is one of the batch's ids (for idempotency).
    existing: dict[int, Transfer]
    #: Pending records the batch posts or voids, and due ones it expires.
    pendings: dict[int, PendingRecord]
    #: Ids named as pending_id that are stored transfers but were never pending.
    not_pending: set[int]
    now: int
    #: First sequence number and timestamp this batch may hand out; both strictly increase.
    first_seq: int
    first_timestamp: int


@dataclass(slots=True)
class BatchOutcome:
    results: list[TR]
    transfers: list[Transfer] = field(default_factory=list)
    #: Encoded metadata of `transfers`, index for index.
    metadata_json: list[bytes | None] = field(default_factory=list)
    #: Pending records created by this batch (their `state` is final, e.g. posted in-batch).
    new_pendings: list[PendingRecord] = field(default_factory=list)
    #: Stored pending records whose state this batch changed.
    resolved: list[PendingRecord] = field(default_factory=list)
    #: Pending records expired by this batch.
    expired: list[PendingRecord] = field(default_factory=list)
    history: list[AccountBalance] = field(default_factory=list)
    #: Accounts whose single-bucket view refused something: rerun the batch with all buckets.
    escalate: set[uuid.UUID] = field(default_factory=set)


def static_transfer_code(t: Transfer, metadata_len: int) -> TR | None:
    """Checks that need nothing but the transfer itself; None when it passes them."""
    # UUID.__eq__ is a Python-level method; comparing the ints is the same test, in C.
    if t.id.int == 0:
        return TR.ID_MUST_NOT_BE_ZERO
    if t.timestamp != 0 or t.seq != 0:
        return TR.TIMESTAMP_MUST_BE_ZERO
    flags = int(t.flags)
    phases = flags & _TWO_PHASE
    if phases and phases not in (_PENDING, _POST, _VOID):
        return TR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if flags & (_BAL_DEBIT | _BAL_CREDIT) and flags & (_POST | _VOID):
        return TR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if metadata_len > METADATA_MAX_BYTES:
        return TR.METADATA_TOO_LARGE
    if flags & (_POST | _VOID):
        if t.pending_id is None or t.pending_id == NIL:
            return TR.PENDING_ID_REQUIRED
        if t.pending_id == t.id:
            return TR.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout != 0:
            return TR.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.amount < 0:
            return TR.AMOUNT_MUST_BE_POSITIVE
        if t.amount > AMOUNT_MAX:
            return TR.AMOUNT_OUT_OF_RANGE
        if t.ledger and not is_currency(t.ledger):
            return TR.LEDGER_UNKNOWN
        if not 0 <= t.code <= CODE_MAX:
            return TR.CODE_OUT_OF_RANGE
        return None
    if t.pending_id is not None and t.pending_id != NIL:
        return TR.PENDING_ID_MUST_BE_ZERO
    if t.timeout != 0:
        if not flags & _PENDING:
            return TR.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if not 0 < t.timeout <= TIMEOUT_MAX:
            return TR.TIMEOUT_OUT_OF_RANGE
    debit = t.debit_account_id.int
    credit = t.credit_account_id.int
    if debit == 0 or credit == 0:
        return TR.ACCOUNT_NOT_FOUND
    if debit == credit:
        return TR.ACCOUNTS_MUST_BE_DIFFERENT
    if t.amount <= 0:
        return TR.AMOUNT_MUST_BE_POSITIVE
    if t.amount > AMOUNT_MAX:
        return TR.AMOUNT_OUT_OF_RANGE
    if not is_currency(t.ledger):
        return TR.LEDGER_UNKNOWN
    if t.code == 0:
        return TR.CODE_MUST_NOT_BE_ZERO
    if not 0 < t.code <= CODE_MAX:
        return TR.CODE_OUT_OF_RANGE
    return None


def compare_existing(t: Transfer, e: Transfer) -> TR:
    """`exists` when `t` repeats the stored `e`, else the first field that differs.

    Fields a post/void may leave zero (accounts, ledger, code, amount) are filled from the pending
    transfer when stored, so a zero in the retry matches whatever was stored. A balancing
    transfer stores the amount it could move, which is at most the amount asked for.
    """
    # Another tenant's id: say only that, never which of its fields differ.
    if t.tenant != e.tenant:
        return TR.EXISTS_WITH_DIFFERENT_TENANT
    flags = int(t.flags)
    if flags != int(e.flags):
        return TR.EXISTS_WITH_DIFFERENT_FLAGS
    resolves = flags & (_POST | _VOID)
    if t.debit_account_id != e.debit_account_id and not (resolves and t.debit_account_id == NIL):
        return TR.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
    if t.credit_account_id != e.credit_account_id and not (resolves and t.credit_account_id == NIL):
        return TR.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
    if t.amount != e.amount:
        balancing = flags & (_BAL_DEBIT | _BAL_CREDIT)
        if not ((resolves and t.amount == 0) or (balancing and e.amount <= t.amount)):
            return TR.EXISTS_WITH_DIFFERENT_AMOUNT
    if t.pending_id != e.pending_id:
        return TR.EXISTS_WITH_DIFFERENT_PENDING_ID
    if t.ledger != e.ledger and not (resolves and t.ledger == ""):
        return TR.EXISTS_WITH_DIFFERENT_LEDGER
    if t.code != e.code and not (resolves and t.code == 0):
        return TR.EXISTS_WITH_DIFFERENT_CODE
    if t.timeout != e.timeout:
        return TR.EXISTS_WITH_DIFFERENT_TIMEOUT
    if (t.metadata or None) != (e.metadata or None):
        return TR.EXISTS_WITH_DIFFERENT_METADATA
    return TR.EXISTS


class _Undo:
    """What a linked chain changed, so that a failure inside it can put everything back."""

    __slots__ = ("balances", "existing", "outputs", "pendings")

    def __init__(self) -> None:
        self.balances: list[tuple[BalanceState, tuple[int, int, int, int], bool]] = []
        self.pendings: list[tuple[PendingRecord, PendingState, int | None]] = []
        self.existing: list[int] = []
        self.outputs: tuple[int, int, int, int] = (0, 0, 0, 0)


def apply_transfers(
    transfers: Sequence[Transfer],
    metadata_json: Sequence[bytes | None],
    state: BatchState,
) -> BatchOutcome:
    """Apply `transfers` in order to `state`, returning one result each and what to write.

    Mutates `state` (balances, pendings, existing) to the batch's end state. Linked chains are
    atomic: a failure inside one undoes the chain's earlier effects.
    """
    out = BatchOutcome(results=[_OK] * len(transfers))
    seq = state.first_seq
    ts = state.first_timestamp
    now = state.now
    balances = state.balances
    existing = state.existing
    pendings = state.pendings
    history = out.history
    inserted = out.transfers

    # Reservations past their timeout are released before anything else can see them.
    for p in pendings.values():
        if p.is_due(now):
            p.state = PendingState.EXPIRED
            p.resolved_seq = seq
            out.expired.append(p)
            debit = balances[p.debit_account_id.int]
            credit = balances[p.credit_account_id.int]
            debit.debits_pending -= p.amount
            credit.credits_pending -= p.amount
            debit.changed = credit.changed = True
            _record_history(history, debit, credit, seq, ts)
            seq += 1
            ts += 1

    undo: _Undo | None = None
    chain_start = -1
    skip_chain = False
    results = out.results
    n = len(transfers)
    for i in range(n):
        t = transfers[i]
        linked = bool(int(t.flags) & _LINKED)
        if skip_chain:
            # Rest of a chain that already failed: report it, evaluate nothing.
            results[i] = TR.LINKED_EVENT_FAILED
            if not linked:
                skip_chain = False
            continue
        if linked and chain_start < 0:
            chain_start = i
            undo = _Undo()
            undo.outputs = (
                len(inserted),
                len(out.new_pendings),
                len(out.resolved),
                len(history),
            )
        meta = metadata_json[i]
        code = static_transfer_code(t, len(meta) if meta is not None else 0)
        if code is None:
            e = existing.get(t.id.int)
            if e is not None:
                code = compare_existing(t, e)
            else:
                code = _apply_one(t, state, out, seq, ts, undo)
                if code is _OK:
                    stored = inserted[-1]
                    out.metadata_json.append(meta)
                    existing[t.id.int] = stored
                    if undo is not None:
                        undo.existing.append(t.id.int)
                    seq += 1
                    ts += 1
        results[i] = code
        if chain_start < 0:
            continue
        failed = code is not _OK and code is not _EXISTS
        if failed:
            assert undo is not None
            _rollback(undo, state, out)
            for j in range(chain_start, i):
                results[j] = TR.LINKED_EVENT_FAILED
            chain_start = -1
            undo = None
            skip_chain = linked
        elif not linked:
            chain_start = -1
            undo = None
    if chain_start >= 0:
        assert undo is not None
        _rollback(undo, state, out)
        for j in range(chain_start, n - 1):
            results[j] = TR.LINKED_EVENT_FAILED
        results[n - 1] = TR.LINKED_EVENT_CHAIN_OPEN
    return out


def _record_history(
    history: list[AccountBalance], debit: BalanceState, credit: BalanceState, seq: int, ts: int
) -> None:
    """The balances after a change, for the accounts that keep history."""
    if debit.flags & _HISTORY:
        history.append(
            AccountBalance(
                debit.id,
                seq,
                ts,
                debit.debits_pending,
                debit.debits_posted,
                debit.credits_pending,
                debit.credits_posted,
            )
        )
    if credit.flags & _HISTORY:
        history.append(
            AccountBalance(
                credit.id,
                seq,
                ts,
                credit.debits_pending,
                credit.debits_posted,
                credit.credits_pending,
                credit.credits_posted,
            )
        )


def _rollback(undo: _Undo, state: BatchState, out: BatchOutcome) -> None:
    for b, counters, changed in reversed(undo.balances):
        b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted = counters
        b.changed = changed
    for p, previous, resolved_seq in reversed(undo.pendings):
        p.state = previous
        p.resolved_seq = resolved_seq
    for tid in undo.existing:
        del state.existing[tid]
    n_transfers, n_new, n_resolved, n_history = undo.outputs
    for p in out.new_pendings[n_new:]:
        del state.pendings[p.id.int]
    del out.transfers[n_transfers:]
    del out.metadata_json[n_transfers:]
    del out.new_pendings[n_new:]
    del out.resolved[n_resolved:]
    del out.history[n_history:]


def _usable(b: BalanceState, tenant: str, resolving_void: bool = False) -> TR | None:
    if b.tenant != tenant:
        return TR.ACCOUNT_NOT_FOUND
    if b.status is not _OPEN and not resolving_void:
        return TR.ACCOUNT_FROZEN if b.status is _FROZEN else TR.ACCOUNT_CLOSED
    return None


def _apply_one(
    t: Transfer,
    state: BatchState,
    out: BatchOutcome,
    seq: int,
    ts: int,
    undo: _Undo | None,
) -> TR:
    """Validate `t` against the accounts and apply it; on success append it to out.transfers."""
    flags = int(t.flags)
    if flags & (_POST | _VOID):
        return _resolve_pending(t, state, out, seq, ts, undo)
    balances = state.balances
    debit = balances.get(t.debit_account_id.int)
    credit = balances.get(t.credit_account_id.int)
    if debit is None or credit is None:
        return TR.ACCOUNT_NOT_FOUND
    code = _usable(debit, t.tenant) or _usable(credit, t.tenant)
    if code is not None:
        return code
    if debit.ledger != t.ledger or credit.ledger != t.ledger:
        return TR.LEDGER_MISMATCH
    amount = t.amount
    if flags & _BAL_DEBIT:
        amount = min(
            amount,
            debit.credits_posted
            + debit.overdraft_limit
            - debit.debits_posted
            - debit.debits_pending,
        )
        if debit.partial and amount < t.amount:
            out.escalate.add(debit.id)
        if amount <= 0:
            return TR.EXCEEDS_CREDITS
    if flags & _BAL_CREDIT:
        amount = min(
            amount,
            credit.debits_posted
            + credit.overdraft_limit
            - credit.credits_posted
            - credit.credits_pending,
        )
        if credit.partial and amount < t.amount:
            out.escalate.add(credit.id)
        if amount <= 0:
            return TR.EXCEEDS_DEBITS
    pending = bool(flags & _PENDING)
    if pending:
        if debit.debits_pending + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_DEBITS_PENDING
        if credit.credits_pending + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_CREDITS_PENDING
    else:
        if debit.debits_posted + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_DEBITS_POSTED
        if credit.credits_posted + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_CREDITS_POSTED
    if debit.debits_pending + debit.debits_posted + amount > AMOUNT_MAX:
        return TR.OVERFLOWS_DEBITS
    if credit.credits_pending + credit.credits_posted + amount > AMOUNT_MAX:
        return TR.OVERFLOWS_CREDITS
    if (
        debit.flags & _DMNEC
        and debit.debits_pending + debit.debits_posted + amount
        > debit.credits_posted + debit.overdraft_limit
    ):
        if debit.partial:
            out.escalate.add(debit.id)
        return TR.EXCEEDS_CREDITS
    if (
        credit.flags & _CMNED
        and credit.credits_pending + credit.credits_posted + amount
        > credit.debits_posted + credit.overdraft_limit
    ):
        if credit.partial:
            out.escalate.add(credit.id)
        return TR.EXCEEDS_DEBITS
    if undo is not None:
        undo.balances.append((debit, debit.counters(), debit.changed))
        undo.balances.append((credit, credit.counters(), credit.changed))
    if pending:
        debit.debits_pending += amount
        credit.credits_pending += amount
        record = PendingRecord(
            t.id,
            t.debit_account_id,
            t.credit_account_id,
            amount,
            t.ledger,
            t.code,
            t.tenant,
            ts + t.timeout * NS_PER_SECOND if t.timeout else 0,
            PendingState.PENDING,
        )
        record.fresh = True
        state.pendings[t.id.int] = record
        out.new_pendings.append(record)
    else:
        debit.debits_posted += amount
        credit.credits_posted += amount
    debit.changed = credit.changed = True
    _record_history(out.history, debit, credit, seq, ts)
    out.transfers.append(
        _stamped(t, seq, ts, t.debit_account_id, t.credit_account_id, amount, t.ledger, t.code)
    )
    return _OK


def _resolve_pending(
    t: Transfer,
    state: BatchState,
    out: BatchOutcome,
    seq: int,
    ts: int,
    undo: _Undo | None,
) -> TR:
    assert t.pending_id is not None
    pending_id = t.pending_id.int
    p = state.pendings.get(pending_id)
    if p is None:
        if pending_id in state.not_pending or pending_id in state.existing:
            return TR.PENDING_TRANSFER_NOT_PENDING
        return TR.PENDING_TRANSFER_NOT_FOUND
    if p.tenant != t.tenant:
        return TR.PENDING_TRANSFER_NOT_FOUND
    if t.debit_account_id != NIL and t.debit_account_id != p.debit_account_id:
        return TR.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
    if t.credit_account_id != NIL and t.credit_account_id != p.credit_account_id:
        return TR.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
    if t.ledger and t.ledger != p.ledger:
        return TR.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
    if t.code and t.code != p.code:
        return TR.PENDING_TRANSFER_HAS_DIFFERENT_CODE
    if p.state is PendingState.POSTED:
        return TR.PENDING_TRANSFER_ALREADY_POSTED
    if p.state is PendingState.VOIDED:
        return TR.PENDING_TRANSFER_ALREADY_VOIDED
    if p.state is PendingState.EXPIRED:
        return TR.PENDING_TRANSFER_EXPIRED
    posting = bool(int(t.flags) & _POST)
    amount = t.amount or p.amount
    if posting and amount > p.amount:
        return TR.EXCEEDS_PENDING_TRANSFER_AMOUNT
    if not posting and amount != p.amount:
        return TR.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
    debit = state.balances[p.debit_account_id.int]
    credit = state.balances[p.credit_account_id.int]
    code = _usable(debit, t.tenant, not posting) or _usable(credit, t.tenant, not posting)
    if code is not None:
        return code
    if posting:
        if debit.debits_posted + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_DEBITS_POSTED
        if credit.credits_posted + amount > AMOUNT_MAX:
            return TR.OVERFLOWS_CREDITS_POSTED
    if undo is not None:
        undo.balances.append((debit, debit.counters(), debit.changed))
        undo.balances.append((credit, credit.counters(), credit.changed))
        undo.pendings.append((p, p.state, p.resolved_seq))
    debit.debits_pending -= p.amount
    credit.credits_pending -= p.amount
    if posting:
        debit.debits_posted += amount
        credit.credits_posted += amount
        p.state = PendingState.POSTED
    else:
        p.state = PendingState.VOIDED
    p.resolved_seq = seq
    debit.changed = credit.changed = True
    _record_history(out.history, debit, credit, seq, ts)
    # A record created earlier in this batch is inserted with its final state instead.
    if not p.fresh:
        out.resolved.append(p)
    out.transfers.append(
        _stamped(t, seq, ts, p.debit_account_id, p.credit_account_id, amount, p.ledger, p.code)
    )
    return _OK


def _stamped(
    t: Transfer,
    seq: int,
    ts: int,
    debit: uuid.UUID,
    credit: uuid.UUID,
    amount: int,
    ledger: str,
    code: int,
) -> Transfer:
    """`t` as stored: numbered, timestamped, with resolved fields.

    A copy of the checked transfer with the ledger's fields set, not a new one: the
    constructor's checks (`Transfer.__post_init__`) passed already, and this runs per transfer.
    """
    stored = _copy(t)
    _set(stored, "seq", seq)
    _set(stored, "timestamp", ts)
    # A post or void takes its pending transfer's fields; a balancing transfer, less amount.
    if debit is not t.debit_account_id:
        _set(stored, "debit_account_id", debit)
    if credit is not t.credit_account_id:
        _set(stored, "credit_account_id", credit)
    if amount != t.amount:
        _set(stored, "amount", amount)
    if ledger is not t.ledger:
        _set(stored, "ledger", ledger)
    if code != t.code:
        _set(stored, "code", code)
    return stored


def account_code(a: Account, metadata_len: int) -> AR | None:
    """Checks on a new account alone; None when it passes them."""
    if a.id == NIL:
        return AR.ID_MUST_NOT_BE_ZERO
    if a.timestamp != 0:
        return AR.TIMESTAMP_MUST_BE_ZERO
    account_flags = int(a.flags)
    if account_flags & _DMNEC and account_flags & _CMNED:
        return AR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if not is_currency(a.ledger):
        return AR.LEDGER_UNKNOWN
    if a.code == 0:
        return AR.CODE_MUST_NOT_BE_ZERO
    if not 0 < a.code <= CODE_MAX:
        return AR.CODE_OUT_OF_RANGE
    if not 0 <= a.overdraft_limit <= AMOUNT_MAX:
        return AR.OVERDRAFT_LIMIT_OUT_OF_RANGE
    if a.overdraft_limit and not account_flags & (_DMNEC | _CMNED):
        return AR.OVERDRAFT_LIMIT_REQUIRES_LIMIT_FLAG
    if a.debits_pending or a.debits_posted or a.credits_pending or a.credits_posted:
        return AR.BALANCES_MUST_BE_ZERO
    if a.status is not AccountStatus.OPEN:
        return AR.STATUS_MUST_BE_OPEN
    if metadata_len > METADATA_MAX_BYTES:
        return AR.METADATA_TOO_LARGE
    return None


def compare_account(a: Account, e: Account) -> AR:
    if a.tenant != e.tenant:
        return AR.EXISTS_WITH_DIFFERENT_TENANT
    if a.ledger != e.ledger:
        return AR.EXISTS_WITH_DIFFERENT_LEDGER
    if a.code != e.code:
        return AR.EXISTS_WITH_DIFFERENT_CODE
    if a.flags != e.flags:
        return AR.EXISTS_WITH_DIFFERENT_FLAGS
    if a.overdraft_limit != e.overdraft_limit:
        return AR.EXISTS_WITH_DIFFERENT_OVERDRAFT_LIMIT
    if (a.metadata or None) != (e.metadata or None):
        return AR.EXISTS_WITH_DIFFERENT_METADATA
    return AR.EXISTS


def apply_accounts(
    accounts: Sequence[Account],
    metadata_json: Sequence[bytes | None],
    existing: dict[uuid.UUID, Account],
    first_timestamp: int,
) -> tuple[list[AR], list[tuple[Account, bytes | None]]]:
    """One result per account, and the accounts to insert (with their timestamps)."""
    results: list[AR] = []
    created: list[tuple[Account, bytes | None]] = []
    ts = first_timestamp
    for a, meta in zip(accounts, metadata_json, strict=True):
        code = account_code(a, len(meta) if meta is not None else 0)
        if code is None:
            e = existing.get(a.id)
            if e is not None:
                code = compare_account(a, e)
            else:
                stored = replace(a, timestamp=ts)
                ts += 1
                existing[a.id] = stored
                created.append((stored, meta))
                code = AR.OK
        results.append(code)
    return results, created

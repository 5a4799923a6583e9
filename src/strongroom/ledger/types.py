"""The ledger's nouns: accounts, transfers, their flags and the read models returned by lookups.

Field names follow DESIGN.md exactly. Every amount is an `int` in minor units of the ledger's
currency. Constructors check types (a malformed id raises ValidationError naming the field);
business rules (limits, ranges, existence) are checked by the ledger and reported as result codes.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final, Generic, TypeVar

import msgspec

from strongroom.errors import ValidationError
from strongroom.ids import NIL, parse_id

Metadata = Mapping[str, Any] | None
_force = msgspec.structs.force_setattr
F = TypeVar("F", bound=enum.IntFlag)
T = TypeVar("T")


#: PostgreSQL text cannot hold NUL, and SQLite's JSON functions end a string at one.
_TENANT = "must be a non-empty string without NUL characters"


class AccountFlags(enum.IntFlag):
    NONE = 0
    #: A liability to a customer: debits_posted + debits_pending may not exceed
    #: credits_posted + overdraft_limit.
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 0
    #: The mirror, for accounts that must stay on the debit side.
    CREDITS_MUST_NOT_EXCEED_DEBITS = 1 << 1
    #: Keep a balance row after every change, for get_account_balances().
    HISTORY = 1 << 2


class TransferFlags(enum.IntFlag):
    NONE = 0
    #: This transfer and the next one succeed or fail together.
    LINKED = 1 << 0
    #: Reserve the amount in the *_pending counters.
    PENDING = 1 << 1
    #: Settle a pending transfer (all of it, or a smaller amount; the rest is released).
    POST_PENDING = 1 << 2
    #: Release a pending transfer.
    VOID_PENDING = 1 << 3
    #: Debit at most `amount`: as much as the debit account's limit allows.
    BALANCING_DEBIT = 1 << 4
    #: Credit at most `amount`: as much as the credit account's limit allows.
    BALANCING_CREDIT = 1 << 5


class AccountStatus(enum.StrEnum):
    OPEN = "open"
    #: No new transfers or posts touch it; voids and expiries still release reservations.
    FROZEN = "frozen"
    #: Terminal: the account held nothing when closed and can never move money again.
    CLOSED = "closed"


#: AccountStatus by its stored value: a dict look-up instead of an Enum call for every row a
#: batch reads.
STATUS_BY_VALUE: Final = {s.value: s for s in AccountStatus}


class PendingState(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


def _check_int(name: str, value: object) -> None:
    if type(value) is not int:
        raise ValidationError(name, f"must be an integer, got {type(value).__name__}")


def _check_metadata(value: object) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError("metadata", "must be a JSON object or null")


@dataclass(frozen=True, slots=True)
class Account:
    id: uuid.UUID
    ledger: str
    code: int
    flags: AccountFlags = AccountFlags.NONE
    overdraft_limit: int = 0
    status: AccountStatus = AccountStatus.OPEN
    metadata: Metadata = None
    #: The owner; an account is invisible to other tenants and only moves money within its own.
    tenant: str = "default"
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    #: Creation time in ns since the epoch, assigned by the ledger.
    timestamp: int = 0

    def __post_init__(self) -> None:
        if type(self.id) is not uuid.UUID:
            object.__setattr__(self, "id", parse_id(self.id, "id"))
        if not isinstance(self.ledger, str):
            raise ValidationError("ledger", "must be an ISO 4217 code string")
        for name in ("code", "overdraft_limit", "debits_pending", "debits_posted"):
            _check_int(name, getattr(self, name))
        _check_int("credits_pending", self.credits_pending)
        _check_int("credits_posted", self.credits_posted)
        if type(self.flags) is not AccountFlags:
            object.__setattr__(self, "flags", as_flags(AccountFlags, self.flags))
        if type(self.status) is not AccountStatus:
            try:
                object.__setattr__(self, "status", AccountStatus(self.status))
            except ValueError:
                raise ValidationError("status", f"unknown status {self.status!r}") from None
        _check_metadata(self.metadata)
        if not isinstance(self.tenant, str) or not self.tenant or "\x00" in self.tenant:
            raise ValidationError("tenant", _TENANT)

    @property
    def balance(self) -> int:
        """credits_posted - debits_posted: what a customer calls the balance of a liability."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What the account could still be debited by now, for a debits-limited account."""
        return self.credits_posted + self.overdraft_limit - self.debits_posted - self.debits_pending


class Transfer(msgspec.Struct, frozen=True):
    """A movement of `amount` from `debit_account_id` to `credit_account_id`.

    Immutable, like a dataclass with `frozen=True`, but a `msgspec.Struct`: a client creates one
    per transfer and the ledger another when it stores it, and a frozen dataclass spends ~4 µs of
    its ~5 µs constructor in `object.__setattr__`. Copy with changes through
    `msgspec.structs.replace(transfer, amount=...)`.
    """

    id: uuid.UUID
    debit_account_id: uuid.UUID = NIL
    credit_account_id: uuid.UUID = NIL
    amount: int = 0
    ledger: str = ""
    code: int = 0
    flags: TransferFlags = TransferFlags.NONE
    pending_id: uuid.UUID | None = None
    #: Seconds a pending transfer may stay unposted; 0 means it never expires.
    timeout: int = 0
    metadata: Metadata = None
    tenant: str = "default"
    #: Assigned by the ledger: ns since the epoch, and the position in the one global order.
    timestamp: int = 0
    seq: int = 0

    def __post_init__(self) -> None:
        if type(self.id) is not uuid.UUID:
            _force(self, "id", parse_id(self.id, "id"))
        if type(self.debit_account_id) is not uuid.UUID:
            _force(self, "debit_account_id", parse_id(self.debit_account_id, "debit_account_id"))
        if type(self.credit_account_id) is not uuid.UUID:
            _force(self, "credit_account_id", parse_id(self.credit_account_id, "credit_account_id"))
        if self.pending_id is not None:
            pending_id = parse_id(self.pending_id, "pending_id")
            # The zero UUID means "none", as for the other ids; store it as None.
            _force(self, "pending_id", None if pending_id == NIL else pending_id)
        if type(self.amount) is not int:
            _check_int("amount", self.amount)
        if type(self.code) is not int:
            _check_int("code", self.code)
        if type(self.timeout) is not int:
            _check_int("timeout", self.timeout)
        if type(self.flags) is not TransferFlags:
            _force(self, "flags", as_flags(TransferFlags, self.flags))
        if not isinstance(self.ledger, str):
            raise ValidationError("ledger", "must be an ISO 4217 code string")
        if self.metadata is not None:
            _check_metadata(self.metadata)
        if type(self.tenant) is not str or not self.tenant or "\x00" in self.tenant:
            raise ValidationError("tenant", _TENANT)


def as_flags(kind: type[F], value: object) -> F:
    """`value` (a member of `kind` or its int) as a member of `kind`; a ValidationError on
    `flags` for anything else or for unknown bits."""
    if type(value) is not int and not isinstance(value, kind):
        raise ValidationError("flags", f"must be {kind.__name__} or int")
    member: F = _flag_member(kind, int(value))
    return member


@cache
def _flag_member(kind: type[F], as_int: int) -> F:
    """The flag for a valid int, remembered: building an IntFlag from an int costs microseconds,
    and API callers send plain ints with every transfer. Invalid ints raise and stay uncached."""
    known = 0
    for member in kind:
        known |= member.value
    if as_int < 0 or as_int & ~known:
        raise ValidationError("flags", f"unknown {kind.__name__} bits in {as_int}")
    return kind(as_int)


@dataclass(frozen=True, slots=True)
class PendingTransfer:
    """A reservation and what became of it, as of the moment of the lookup."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: int
    tenant: str
    #: ns since the epoch; 0 when the transfer has no timeout.
    expires_at: int
    state: PendingState


@dataclass(frozen=True, slots=True)
class DebitActivity:
    """An account's debits of one code in one period, net of voids: a transfer counts once
    (+1, +amount), its void takes it back (-1, -amount), and posting a pending transfer counts
    nothing more (the pending transfer was the money)."""

    code: int
    #: True for the debits at or after the query's `split`, False for those before it.
    recent: bool
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """An account's counters right after the change with sequence number `seq`."""

    account_id: uuid.UUID
    seq: int
    timestamp: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; pass `next_cursor` back to get the next one (None: no more)."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None

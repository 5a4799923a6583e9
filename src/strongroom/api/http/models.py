"""Request and response bodies: pydantic models at the edge, with the ledger's field names.

Requests forbid unknown fields and never coerce types (a string is not an integer, `true` is not
1); an integer field takes any JSON number whose value is an integer, `5.0` as well as `5`, read
exactly (strongroom.api.http.numbers, through the route classes of routing.py). Amounts are
JSON integers in minor units; an amount above 2**53 (where JavaScript's Number loses precision)
may also be sent as a decimal string ("18446744073709551"). Responses always carry integers;
clients that parse JSON into IEEE doubles must use a BigInt-aware parser for amounts, counters,
timestamps (ns) and seq.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema

from strongroom.ids import NIL
from strongroom.ledger import (
    BATCH_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    AccountStatus,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
    TransferFlags,
)
from strongroom.money import AMOUNT_MAX
from strongroom.services.access import ApiKey, Role
from strongroom.services.ledger import AccountSpec, TransferSpec

#: Bounds are published in the OpenAPI document as the exact integers the server checks
#: (docs/api.md: Integers). code, timeout: the ledger reports values outside its own ranges with
#: a result code.
INT53 = 2**53

Int53 = Annotated[int, Strict(), Field(ge=-INT53, le=INT53)]


def digits_at_most(bound: int) -> str:
    """A regular expression matching the strings of 1 to len(str(bound)) ASCII digits (leading
    zeros allowed) whose value is at most `bound`: JSON Schema cannot bound a string's value, so
    the pattern spells the bound out digit by digit."""
    digits = str(bound)
    width = len(digits)
    branches = [f"[0-9]{{1,{width - 1}}}"] if width > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = width - i - 1
            branches.append(
                f"{digits[:i]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    branches.append(digits)
    return f"^(?:{'|'.join(branches)})$"


AMOUNT_DIGITS = len(str(AMOUNT_MAX))


def _amount(value: Any) -> Any:
    """Accept a JSON integer, or a decimal string for amounts a double cannot hold exactly."""
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > AMOUNT_DIGITS:
            raise ValueError(f"an amount string must hold 1 to {AMOUNT_DIGITS} decimal digits")
        return int(value)
    return value


Amount = Annotated[
    int,
    BeforeValidator(_amount),
    Strict(),
    Field(ge=0, le=AMOUNT_MAX),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": AMOUNT_MAX},
                {"type": "string", "pattern": digits_at_most(AMOUNT_MAX)},
            ],
            "description": "Minor units, at most 2**63 - 1. A decimal string is accepted too, "
            "for values a double cannot hold exactly (above 2**53).",
        },
        mode="validation",
    ),
]

AccountFlagName = Literal[
    "debits_must_not_exceed_credits", "credits_must_not_exceed_debits", "history"
]
TransferFlagName = Literal[
    "linked", "pending", "post_pending", "void_pending", "balancing_debit", "balancing_credit"
]
Metadata = Annotated[dict[str, Any] | None, Field(description="Any JSON object")]


def flags_to_int(names: list[str], kind: type[AccountFlags] | type[TransferFlags]) -> int:
    if not names:
        return 0
    value = 0
    for name in names:
        value |= kind[name.upper()].value
    return value


def flag_names(flags: AccountFlags | TransferFlags) -> list[str]:
    return [m.name.lower() for m in type(flags) if m.value and m in flags and m.name]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- accounts -----------------------------------------------------------------------------


class AccountIn(Request):
    id: uuid.UUID = Field(description="Client-chosen; retrying with the same id is safe")
    ledger: Annotated[str, Strict(), Field(max_length=16, description="ISO 4217 code")]
    code: Int53
    flags: list[AccountFlagName] = Field(default_factory=list, max_length=3)
    overdraft_limit: Amount = 0
    metadata: Metadata = None

    def spec(self) -> AccountSpec:
        return AccountSpec(
            id=self.id,
            ledger=self.ledger,
            code=self.code,
            flags=flags_to_int(list(self.flags), AccountFlags),
            overdraft_limit=self.overdraft_limit,
            metadata=self.metadata,
        )


class CreateAccounts(Request):
    accounts: list[AccountIn] = Field(min_length=1, max_length=BATCH_MAX)


class AccountOut(BaseModel):
    id: uuid.UUID
    tenant: str
    ledger: str
    code: int
    flags: list[AccountFlagName]
    overdraft_limit: int
    status: AccountStatus
    metadata: dict[str, Any] | None
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    timestamp: int

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(
            id=a.id,
            tenant=a.tenant,
            ledger=a.ledger,
            code=a.code,
            flags=flag_names(a.flags),  # type: ignore[arg-type]
            overdraft_limit=a.overdraft_limit,
            status=a.status,
            metadata=dict(a.metadata) if a.metadata is not None else None,
            debits_pending=a.debits_pending,
            debits_posted=a.debits_posted,
            credits_pending=a.credits_pending,
            credits_posted=a.credits_posted,
            timestamp=a.timestamp,
        )


class AccountResult(BaseModel):
    index: int
    id: uuid.UUID
    result: CreateAccountResult


class AccountResults(BaseModel):
    results: list[AccountResult]


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None


class StatusChange(Request):
    status: AccountStatus


# -- transfers ----------------------------------------------------------------------------


class TransferIn(Request):
    id: uuid.UUID = Field(description="Client-chosen idempotency key")
    debit_account_id: uuid.UUID = NIL
    credit_account_id: uuid.UUID = NIL
    amount: Amount = 0
    ledger: Annotated[str, Strict(), Field(max_length=16)] = ""
    code: Int53 = 0
    flags: list[TransferFlagName] = Field(default_factory=list, max_length=6)
    pending_id: uuid.UUID | None = None
    timeout: Int53 = 0
    metadata: Metadata = None

    def spec(self) -> TransferSpec:
        return TransferSpec(
            id=self.id,
            debit_account_id=self.debit_account_id,
            credit_account_id=self.credit_account_id,
            amount=self.amount,
            ledger=self.ledger,
            code=self.code,
            flags=flags_to_int(list(self.flags), TransferFlags),
            pending_id=self.pending_id,
            timeout=self.timeout,
            metadata=self.metadata,
        )


class CreateTransfers(Request):
    transfers: list[TransferIn] = Field(min_length=1, max_length=BATCH_MAX)


class TransferOut(BaseModel):
    id: uuid.UUID
    tenant: str
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: int
    flags: list[TransferFlagName]
    pending_id: uuid.UUID | None
    timeout: int
    metadata: dict[str, Any] | None
    timestamp: int
    seq: int

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls(
            id=t.id,
            tenant=t.tenant,
            debit_account_id=t.debit_account_id,
            credit_account_id=t.credit_account_id,
            amount=t.amount,
            ledger=t.ledger,
            code=t.code,
            flags=flag_names(t.flags),  # type: ignore[arg-type]
            pending_id=t.pending_id,
            timeout=t.timeout,
            metadata=dict(t.metadata) if t.metadata is not None else None,
            timestamp=t.timestamp,
            seq=t.seq,
        )


class TransferResult(BaseModel):
    index: int
    id: uuid.UUID
    result: CreateTransferResult


class TransferResults(BaseModel):
    results: list[TransferResult]


class TransferPage(BaseModel):
    items: list[TransferOut]
    next_cursor: str | None


class BalanceOut(BaseModel):
    account_id: uuid.UUID
    seq: int
    timestamp: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int

    @classmethod
    def of(cls, b: AccountBalance) -> BalanceOut:
        return cls(
            account_id=b.account_id,
            seq=b.seq,
            timestamp=b.timestamp,
            debits_pending=b.debits_pending,
            debits_posted=b.debits_posted,
            credits_pending=b.credits_pending,
            credits_posted=b.credits_posted,
        )


class BalancePage(BaseModel):
    items: list[BalanceOut]
    next_cursor: str | None


# -- keys ---------------------------------------------------------------------------------


class KeyIn(Request):
    role: Role
    name: Annotated[str, Strict(), Field(max_length=200)] = ""


class KeyOut(BaseModel):
    id: str
    tenant: str
    role: Role
    name: str
    created_at: int
    revoked_at: int | None

    @classmethod
    def of(cls, k: ApiKey) -> KeyOut:
        return cls(
            id=k.id,
            tenant=k.tenant,
            role=k.role,
            name=k.name,
            created_at=k.created_at,
            revoked_at=k.revoked_at,
        )


class NewKeyOut(KeyOut):
    #: `sr_<id>_<secret>`: shown in this response only.
    token: str


class KeyList(BaseModel):
    items: list[KeyOut]

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

import datetime
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
from strongroom.workflows.definitions import KEY_PATTERN, IntentType
from strongroom.workflows.ports import Schedule
from strongroom.workflows.types import (
    Intent,
    IntentDetail,
    StepOutcome,
    StepRecord,
    TransitionRecord,
)

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


#: Text with at least one character that is not blank, as the services judge it (Python's
#: `str.strip()` also strips \x1c-\x1f, which the validator's `\s` does not count), and no NUL.
NOT_BLANK = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"

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


def _date_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("a date is text: YYYY-MM-DD")
    return value


#: "YYYY-MM-DD" only (pydantic's lax mode would take a number as a Unix time).
DateText = Annotated[datetime.date, BeforeValidator(_date_text)]
#: An amount that must move something (a payment's, a refund's, a hold's): a JSON integer.
PositiveAmount = Annotated[int, Strict(), Field(ge=1, le=AMOUNT_MAX)]

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


# -- intents ------------------------------------------------------------------------------

IntentStatusName = Literal["ready", "waiting", "done"]
#: What a caller writes as a reason; kept in the transition record and shown to people.
Reason = Annotated[str | None, Strict(), Field(max_length=500, pattern=r"^[^\x00]*$")]
Version = Annotated[int | None, Strict(), Field(ge=1, le=INT53)]
JsonObject = Annotated[dict[str, Any], Field(description="Any JSON object")]


class SubmitIntent(Request):
    type: Annotated[str, Strict(), Field(description="A registered intent type")]
    reference: Annotated[
        str,
        Strict(),
        Field(
            min_length=1,
            max_length=200,
            pattern=KEY_PATTERN,
            description="Chosen by the caller, unique per tenant and type: retrying with the "
            "same reference and payload returns the intent submitted first",
        ),
    ]
    payload: JsonObject


class IntentEvent(Request):
    event: Annotated[str, Strict(), Field(min_length=1, max_length=64)]
    reason: Reason = None
    expected_version: Version = Field(
        default=None, description="Refuse (409 version_conflict) if the intent moved past it"
    )


class CancelIntent(Request):
    reason: Reason = None
    expected_version: Version = None


class IntentOut(BaseModel):
    id: uuid.UUID
    tenant: str
    type: str
    reference: str
    payload: dict[str, Any]
    #: Where the intent is in its own lifecycle (a state of its type's machine).
    state: str
    #: Where it is for the engine.
    status: IntentStatusName
    version: int
    created_at: int
    updated_at: int
    mutex_key: str | None
    parent_id: uuid.UUID | None
    customer: str | None
    account: str | None
    actor: str | None
    trace_id: str | None
    run_at: int | None
    position: int
    results: dict[str, Any]
    attempts: int
    run: int
    error: str | None
    cancel_requested: bool
    #: The worker running it right now, if one is.
    lease_owner: str | None

    @classmethod
    def of(cls, i: Intent) -> IntentOut:
        return cls(
            id=i.id,
            tenant=i.tenant,
            type=i.type,
            reference=i.reference,
            payload=i.payload,
            state=i.state,
            status=i.status.value,
            version=i.version,
            created_at=i.created_at,
            updated_at=i.updated_at,
            mutex_key=i.mutex_key,
            parent_id=i.parent_id,
            customer=i.customer,
            account=i.account,
            actor=i.actor,
            trace_id=i.trace_id,
            run_at=i.run_at,
            position=i.position,
            results=i.results,
            attempts=i.attempts,
            run=i.run,
            error=i.error,
            cancel_requested=i.cancel_requested,
            lease_owner=i.lease_owner,
        )


class TransitionOut(BaseModel):
    seq: int
    event: str
    from_state: str | None
    to_state: str
    at: int
    actor: str | None
    reason: str | None

    @classmethod
    def of(cls, t: TransitionRecord) -> TransitionOut:
        return cls(
            seq=t.seq,
            event=t.event,
            from_state=t.from_state,
            to_state=t.to_state,
            at=t.at,
            actor=t.actor,
            reason=t.reason,
        )


class StepOut(BaseModel):
    step: str
    run: int
    attempt: int
    outcome: StepOutcome
    started_at: int
    finished_at: int
    result: Any
    error: str | None

    @classmethod
    def of(cls, s: StepRecord) -> StepOut:
        return cls(
            step=s.step,
            run=s.run,
            attempt=s.attempt,
            outcome=s.outcome,
            started_at=s.started_at,
            finished_at=s.finished_at,
            result=s.result,
            error=s.error,
        )


class IntentDetailOut(IntentOut):
    transitions: list[TransitionOut]
    steps: list[StepOut]
    children: list[IntentOut]

    @classmethod
    def of_detail(cls, d: IntentDetail) -> IntentDetailOut:
        return cls(
            **IntentOut.of(d.intent).model_dump(),
            transitions=[TransitionOut.of(t) for t in d.transitions],
            steps=[StepOut.of(s) for s in d.steps],
            children=[IntentOut.of(c) for c in d.children],
        )


class IntentPage(BaseModel):
    items: list[IntentOut]
    next_cursor: str | None


class IntentTypeOut(BaseModel):
    name: str
    description: str
    states: list[str]
    initial: str
    terminal: list[str]

    @classmethod
    def of(cls, t: IntentType[Any]) -> IntentTypeOut:
        machine = t.machine
        return cls(
            name=t.name,
            description=t.description,
            states=list(machine.states),
            initial=machine.initial,
            terminal=sorted(machine.terminal),
        )


class ScheduleIn(Request):
    type: Annotated[str, Strict(), Field(description="A registered intent type")]
    spec: Annotated[
        str,
        Strict(),
        Field(
            min_length=1,
            max_length=200,
            description="`at <instant>`, `every <duration>` or `cron <expression> [zone]` "
            "(docs/workflows.md)",
        ),
    ]
    payload: JsonObject


class ScheduleOut(BaseModel):
    name: str
    type: str
    spec: str
    payload: dict[str, Any]
    #: When it fires next (ns since the epoch); null once it will not fire again.
    next_at: int | None
    last_at: int | None
    fired: int
    created_at: int

    @classmethod
    def of(cls, s: Schedule) -> ScheduleOut:
        return cls(
            name=s.name,
            type=s.type,
            spec=s.spec,
            payload=dict(s.payload),
            next_at=s.next_at,
            last_at=s.last_at,
            fired=s.fired,
            created_at=s.created_at,
        )


class ScheduleList(BaseModel):
    items: list[ScheduleOut]

"""`ledger.transfer`: a two-phase transfer as a durable workflow, the intent type every
deployment has (and the shape a payment has: check, reserve, post, notify).

1. `check`: both accounts exist in the tenant, are open and share the currency; a refusal
   fails the intent at once.
2. `reserve`: a pending transfer of the amount (the money is held on the debit account);
   compensated by voiding it.
3. `post`: the pending transfer posted in full.
4. `notify`: the `intent.transfer.settled` event, published with the checkpoint.

Intents of one debit account run one at a time in submission order (its mutex key), so the
order in which a customer asked is the order in which the money moves. Transfer ids are derived
from (intent, step, run): a replayed step gets `exists` from the ledger and moves nothing.

May import the ledger and this package.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec

from strongroom.ledger import (
    Account,
    AccountStatus,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)
from strongroom.ledger.rules import CODE_MAX, TIMEOUT_MAX
from strongroom.money import AMOUNT_MAX
from strongroom.workflows.batching import Coalescer
from strongroom.workflows.definitions import (
    CANCEL,
    FAIL,
    KEY_PATTERN,
    IntentType,
    RetryPolicy,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge

TYPE = "ledger.transfer"
SETTLED = "intent.transfer.settled"

#: Results that mean the transfer is in the ledger as asked: made now, or by an earlier attempt.
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}
#: A void that finds nothing left to release: voided before, or expired at its timeout.
_RELEASED = _DONE | {CreateTransferResult.PENDING_TRANSFER_NOT_PENDING}


class TransferPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Checked whole by its schema (which the HTTP API publishes); what the schema cannot say
    (the accounts exist, differ, share the currency) is `check`'s to refuse."""

    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    #: Minor units of `ledger`.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    #: The currency (ISO 4217 code), the accounts' ledger.
    ledger: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    code: Annotated[int, msgspec.Meta(ge=1, le=CODE_MAX)]
    customer: Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)] | None = None
    #: Seconds the reservation may wait for its posting before the ledger releases it (0:
    #: it never expires).
    timeout: Annotated[int, msgspec.Meta(ge=0, le=TIMEOUT_MAX)] = 0


MACHINE = Machine(
    TYPE,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "reserved", "reserved"),
        edge("reserved", "posted", "posted"),
        edge("posted", "notified", "settled"),
        edge(("initiated", "checked", "reserved", "posted"), FAIL, "failed"),
        edge(("initiated", "checked", "reserved"), CANCEL, "cancelled"),
    ],
    terminal=("settled", "failed", "cancelled"),
)


def transfer_type(ledger: Ledger) -> IntentType[TransferPayload]:
    """The `ledger.transfer` type, its steps acting on `ledger`."""

    async def ledger_call(transfer: Transfer, accepted: set[CreateTransferResult]) -> None:
        (result,) = await ledger.create_transfers([transfer])
        if result not in accepted:
            raise StepFailed(result.value)

    async def lookup(wanted: Sequence[tuple[str, uuid.UUID]]) -> list[Account | None]:
        found = {a.id: a for a in await ledger.lookup_accounts([i for _, i in wanted])}
        return [
            account if (account := found.get(i)) is not None and account.tenant == t else None
            for t, i in wanted
        ]

    # The checks of all the intents in flight share lookups: one query for hundreds of them.
    accounts: Coalescer[tuple[str, uuid.UUID], Account | None] = Coalescer(lookup)

    async def check(context: StepContext[TransferPayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        if p.debit_account_id == p.credit_account_id:
            raise StepFailed("the debit and credit accounts must differ")
        for name, account_id in (("debit", p.debit_account_id), ("credit", p.credit_account_id)):
            account = await accounts.get((tenant, account_id))
            if account is None:
                raise StepFailed(f"{name} account {account_id} not found")
            if account.status is not AccountStatus.OPEN:
                raise StepFailed(f"{name} account {account_id} is {account.status.value}")
            if account.ledger != p.ledger:
                raise StepFailed(
                    f"{name} account {account_id} is in {account.ledger}, not {p.ledger}"
                )
        return None

    def pending(context: StepContext[TransferPayload]) -> Transfer:
        p = context.payload
        return Transfer(
            id=context.transfer_id(),
            debit_account_id=p.debit_account_id,
            credit_account_id=p.credit_account_id,
            amount=p.amount,
            ledger=p.ledger,
            code=p.code,
            flags=TransferFlags.PENDING,
            timeout=p.timeout,
            tenant=context.intent.tenant,
        )

    async def reserve(context: StepContext[TransferPayload]) -> Any:
        transfer = pending(context)
        await ledger_call(transfer, _DONE)
        return {"pending_id": str(transfer.id)}

    async def release(context: StepContext[TransferPayload]) -> None:
        held = pending(context)
        void = msgspec.structs.replace(
            held,
            id=context.transfer_id("void"),
            flags=TransferFlags.VOID_PENDING,
            pending_id=held.id,
            timeout=0,
        )
        await ledger_call(void, _RELEASED)

    async def post(context: StepContext[TransferPayload]) -> Any:
        reserved = uuid.UUID(context.results["reserve"]["pending_id"])
        p = context.payload
        transfer = Transfer(
            id=context.transfer_id(),
            debit_account_id=p.debit_account_id,
            credit_account_id=p.credit_account_id,
            amount=p.amount,
            ledger=p.ledger,
            code=p.code,
            flags=TransferFlags.POST_PENDING,
            pending_id=reserved,
            tenant=context.intent.tenant,
        )
        await ledger_call(transfer, _DONE)
        return {"transfer_id": str(transfer.id)}

    async def notify(context: StepContext[TransferPayload]) -> Any:
        p = context.payload
        context.emit(
            SETTLED,
            {
                "id": str(context.intent.id),
                "reference": context.intent.reference,
                "transfer_id": context.results["post"]["transfer_id"],
                "debit_account_id": str(p.debit_account_id),
                "credit_account_id": str(p.credit_account_id),
                "amount": p.amount,
                "ledger": p.ledger,
            },
        )
        return None

    retry = RetryPolicy(max_attempts=5, initial=0.05, maximum=5.0)
    return IntentType(
        TYPE,
        TransferPayload,
        MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=retry), event="checked"),
                group(Step("reserve", reserve, release, retry=retry), event="reserved"),
                group(Step("post", post, retry=retry), event="posted"),
                group(Step("notify", notify, retry=retry), event="notified"),
            )
        ),
        mutex_key=lambda p: f"account:{p.debit_account_id}",
        customer=lambda p: p.customer,
        account=lambda p: str(p.debit_account_id),
        description="A two-phase transfer: check, reserve (pending), post, notify.",
    )

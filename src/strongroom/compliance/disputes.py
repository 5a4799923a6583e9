"""`compliance.dispute`: a customer disputes a settled payment, as a durable workflow.

1. `check`: the original transfer exists in the tenant, is posted (not a pending hold or a
   void), was paid from the customer's account, is at least the disputed amount; the
   provisional account is in the same currency; no other dispute of that transfer is live or
   settled (a refusal fails the intent at once).
2. `credit`: the provisional credit, from the bank's dispute-provisional account to the
   customer's (state `investigating`).
3. `case`: a `compliance.case` child intent opens a case of kind `dispute` and waits for its
   outcome; it escalates when `dispute_deadline` passes with the case undecided.
4. `resolve`: the case released is the customer's win: the credit stands, and with a
   `chargeback_account_id` the amount is recovered from it into the provisional account (state
   `won`); the case blocked is the customer's loss: the credit is reversed by a new transfer
   (state `lost`).

Transfer ids come from StepContext.transfer_id, so a step replayed after a crash gets `exists`
from the ledger and moves nothing twice. Disputes of one original transfer run one at a time
(their mutex key), so a second one waits for the first and is then refused by `check`. Every
transition is an `intent.transitioned` event, which the audit log records.

May import the ledger, the workflows package and this package's case intent.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from strongroom.compliance.case_intent import TYPE as CASE_TYPE
from strongroom.compliance.case_records import CaseKind
from strongroom.ledger import CreateTransferResult, Ledger, Transfer, TransferFlags
from strongroom.money import AMOUNT_MAX
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    RetryPolicy,
    Step,
    StepContext,
    StepFailed,
    SubWorkflow,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.types import Intent, IntentQuery, IntentStatus

TYPE = "compliance.dispute"
#: Transfers that are not a settled payment: a hold, or the release of one.
_NOT_POSTED = TransferFlags.PENDING | TransferFlags.VOID_PENDING
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}
#: How many of a customer account's disputes `check` reads for another of the same transfer.
_OTHERS_PAGE = 500


class DisputePayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    original_transfer_id: uuid.UUID
    #: Minor units of the original transfer's currency; at most the original's amount.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    #: The customer's account: the one the original transfer debited, credited provisionally.
    customer_account_id: uuid.UUID
    #: The bank's dispute-provisional account, which funds the provisional credit.
    provisional_account_id: uuid.UUID
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    #: Where a won dispute's amount is recovered from (the merchant's, a chargeback account).
    chargeback_account_id: uuid.UUID | None = None


def _customer_won(intent: Intent) -> bool:
    return bool(intent.results["case"]["state"] == "released")


MACHINE = Machine(
    TYPE,
    initial="opened",
    edges=[
        edge("opened", "checked", "checked"),
        edge("checked", "credited", "investigating"),
        edge("investigating", "resolved", "won", _customer_won),
        edge("investigating", "resolved", "lost"),
        edge(("opened", "checked", "investigating"), FAIL, "failed"),
    ],
    terminal=("won", "lost", "failed"),
)


def _live_or_settled(other: Intent) -> bool:
    """Another dispute that still counts: not one that failed (refused or gave up)."""
    return not (other.status is IntentStatus.DONE and other.state == "failed")


def dispute_type(ledger: Ledger, intents: IntentStore, deadline: float) -> IntentType[Any]:
    """The `compliance.dispute` type: money moves on `ledger`; `intents` is read for other
    disputes of the same transfer; an investigation escalates after `deadline` seconds."""

    async def move(transfer: Transfer) -> str:
        (result,) = await ledger.create_transfers([transfer])
        if result not in _DONE:
            raise StepFailed(f"transfer {transfer.id}: {result.value}")
        return str(transfer.id)

    async def check(context: StepContext[DisputePayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        found = await ledger.lookup_transfers([p.original_transfer_id], tenant=tenant)
        if not found:
            raise StepFailed(f"original transfer {p.original_transfer_id} not found")
        (original,) = found
        if original.flags & _NOT_POSTED:
            raise StepFailed(f"original transfer {original.id} is not a posted payment")
        if original.debit_account_id != p.customer_account_id:
            raise StepFailed(f"original transfer {original.id} was not paid from the account")
        if p.amount > original.amount:
            raise StepFailed(f"amount {p.amount} exceeds the original's {original.amount}")
        accounts = await ledger.lookup_accounts([p.provisional_account_id])
        if not accounts or accounts[0].tenant != tenant:
            raise StepFailed(f"provisional account {p.provisional_account_id} not found")
        if accounts[0].ledger != original.ledger:
            raise StepFailed(f"provisional account is not in {original.ledger}")
        others = await intents.find(
            IntentQuery(tenant, TYPE, account=str(p.customer_account_id), limit=_OTHERS_PAGE)
        )
        for other in others:
            if (
                other.id != context.intent.id
                and other.payload.get("original_transfer_id") == str(p.original_transfer_id)
                and _live_or_settled(other)
            ):
                raise StepFailed(f"transfer {original.id} is already disputed by {other.id}")
        return {"ledger": original.ledger, "code": original.code}

    def transfer(
        context: StepContext[DisputePayload], label: str, debit: uuid.UUID, credit: uuid.UUID
    ) -> Transfer:
        terms = context.results["check"]
        return Transfer(
            id=context.transfer_id(label),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=context.payload.amount,
            ledger=terms["ledger"],
            code=terms["code"],
            tenant=context.intent.tenant,
        )

    async def credit(context: StepContext[DisputePayload]) -> Any:
        p = context.payload
        made = transfer(context, "", p.provisional_account_id, p.customer_account_id)
        return {"transfer_id": await move(made)}

    def case(context: StepContext[DisputePayload]) -> dict[str, Any]:
        return {
            "kind": CaseKind.DISPUTE.value,
            "subject": str(context.intent.id),
            "reasons": [context.payload.reason],
            "deadline": deadline,
        }

    async def resolve(context: StepContext[DisputePayload]) -> Any:
        p = context.payload
        if context.results["case"]["state"] == "released":
            if p.chargeback_account_id is None:
                return {"outcome": "won"}
            recovered = transfer(
                context, "chargeback", p.chargeback_account_id, p.provisional_account_id
            )
            return {"outcome": "won", "transfer_id": await move(recovered)}
        reversal = transfer(context, "reversal", p.customer_account_id, p.provisional_account_id)
        return {"outcome": "lost", "transfer_id": await move(reversal)}

    retry = RetryPolicy(max_attempts=5, initial=0.05, maximum=5.0)
    return IntentType(
        TYPE,
        DisputePayload,
        MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=retry), event="checked"),
                group(Step("credit", credit, retry=retry), event="credited"),
                group(SubWorkflow("case", CASE_TYPE, case)),
                group(Step("resolve", resolve, retry=retry), event="resolved"),
            )
        ),
        mutex_key=lambda p: f"dispute:{p.original_transfer_id}",
        account=lambda p: str(p.customer_account_id),
        description="A customer's dispute: provisional credit, investigation, won or lost.",
    )

"""`banking.payment.refund`: money of a settled payment returned, in full or in parts, never more
than the payment's principal in all.

    initiated --checked--> checked --refunded--> refunded;  initiated | checked --fail--> failed

1. `check`: the payment is a settled `banking.payment.internal` of the tenant, and this refund
   fits in what is left of its principal. The ledger is the record of what was refunded: the
   n-th refund of a payment has the transfer id `refund_id(payment, n)` (payments/numbered.py).
2. `refund`: the amount from the payee's account back to the payer's, with that id.

Refunds of one payment share a mutex key and so run one at a time: each counts every earlier
one. A refund whose transfer fails (the payee's account lacks the money) leaves its number free
for the next. Charges are not refunded (a product could, as a fee rule; none does yet).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes
from strongroom.banking.payments.internal import TYPE as PAYMENT_TYPE
from strongroom.banking.payments.internal import InternalPayment
from strongroom.banking.payments.numbered import Numbered
from strongroom.banking.retry import RETRY
from strongroom.ledger import CreateTransferResult, Ledger, Transfer
from strongroom.money import AMOUNT_MAX
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.ports import IntentStore

TYPE = "banking.payment.refund"
REFUNDED = "banking.payment.refunded"
#: The refunds of a payment, numbered under its id (at most 100).
REFUNDS = Numbered("refund", 100)
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


def refund_id(payment_id: uuid.UUID, number: int) -> uuid.UUID:
    """The ledger transfer id of the `number`-th refund (from 1) of a payment."""
    return REFUNDS.id(payment_id, number)


async def refunds_of(ledger: Ledger, payment_id: uuid.UUID) -> list[Transfer]:
    """The refund transfers of a payment, in the order they were made."""
    return await REFUNDS.made(ledger, payment_id)


class Refund(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_id: uuid.UUID
    #: Minor units of the payment's currency.
    amount: Annotated[int, msgspec.Meta(gt=0, le=AMOUNT_MAX)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


MACHINE = Machine(
    TYPE,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "refunded", "refunded"),
        edge(("initiated", "checked"), FAIL, "failed"),
    ],
    terminal=("refunded", "failed"),
)


def refund_type(ledger: Ledger, intents: IntentStore) -> IntentType[Refund]:
    """The `banking.payment.refund` type, reading payments from `intents`."""

    async def check(context: StepContext[Refund]) -> Any:
        r = context.payload
        payment = await intents.get(r.payment_id, context.intent.tenant)
        if payment is None or payment.type != PAYMENT_TYPE:
            raise StepFailed(f"payment {r.payment_id} not found")
        if payment.state != "settled":
            raise StepFailed(f"payment {r.payment_id} is {payment.state}, not settled")
        paid = msgspec.convert(payment.payload, InternalPayment)
        earlier = await refunds_of(ledger, r.payment_id)
        if len(earlier) >= REFUNDS.most:
            raise StepFailed(f"payment {r.payment_id} already has {REFUNDS.most} refunds")
        left = paid.amount - sum(t.amount for t in earlier)
        if r.amount > left:
            raise StepFailed(
                f"a refund of {r.amount} exceeds the {left} of payment {r.payment_id} "
                "not yet refunded"
            )
        return {
            "number": len(earlier) + 1,
            "debit_account_id": str(paid.credit_account_id),
            "credit_account_id": str(paid.debit_account_id),
            "currency": paid.currency,
            "left": left - r.amount,
        }

    async def refund(context: StepContext[Refund]) -> Any:
        r = context.payload
        checked = context.results["check"]
        transfer = Transfer(
            id=refund_id(r.payment_id, checked["number"]),
            debit_account_id=uuid.UUID(checked["debit_account_id"]),
            credit_account_id=uuid.UUID(checked["credit_account_id"]),
            amount=r.amount,
            ledger=checked["currency"],
            code=codes.REFUND,
            metadata={
                "payment": str(r.payment_id),
                "refund": str(context.intent.id),
                "description": f"Refund: {r.reason}",
            },
            tenant=context.intent.tenant,
        )
        (result,) = await ledger.create_transfers([transfer])
        if result is CreateTransferResult.EXCEEDS_CREDITS:
            raise StepFailed("insufficient funds on the payee's account to refund")
        if result not in _DONE:
            raise StepFailed(result.value)
        context.emit(
            REFUNDED,
            {
                "id": str(context.intent.id),
                "payment_id": str(r.payment_id),
                "amount": r.amount,
                "currency": checked["currency"],
                "transfer_id": str(transfer.id),
                "left": checked["left"],
            },
        )
        return {"transfer_id": str(transfer.id)}

    return IntentType(
        TYPE,
        Refund,
        MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("refund", refund, retry=RETRY), event="refunded"),
            )
        ),
        mutex_key=lambda r: f"payment:{r.payment_id}",
        description="Return money of a settled payment to its payer, never more than it paid.",
        through="POST /v1/banking/payments/{id}/refunds",
    )

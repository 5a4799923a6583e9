"""/v1/banking/payments: payments between the bank's accounts and their refunds over HTTP
(strongroom.banking.payments.service.PaymentService). A payment is an intent: it is answered at
once (201) in the state it reached, and followed by reading it again."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, Strict

from strongroom.api.http.auth import Caller
from strongroom.api.http.models import (
    NOT_BLANK,
    Amount,
    IntentOut,
    StepOut,
    TransitionOut,
    digits_at_most,
)
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.banking.payments.service import Payment, PaymentDetail, PaymentService
from strongroom.banking.services import BankingServices
from strongroom.ledger.queries import INT64_MAX
from strongroom.workflows.service import MAX_PAGE

router = APIRouter(tags=["payments"], responses=RESPONSES, route_class=JsonBodyRoute)

_Reference = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
_State = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
_Cursor = Annotated[
    str | None,
    Query(pattern=digits_at_most(INT64_MAX), description="next_cursor of the last page"),
]
_RETRIED = {"description": "Submitted before with this reference and content"}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: documented("The reference was used with other content (reference_conflict)")
}


async def payments_of(request: Request) -> PaymentService:
    banking: BankingServices = request.app.state.banking
    return banking.payments


Payments = Annotated[PaymentService, Depends(payments_of)]


class PayIn(Body):
    reference: _Reference = Field(description="Unique per tenant: paying again with it is a retry")
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: Amount = Field(description="Minor units of `currency`, more than 0")
    currency: Annotated[str, Strict(), Field(pattern="^[A-Z]{3}$")]
    description: Annotated[str, Strict(), Field(max_length=140)] = ""
    channel: Annotated[str, Strict(), Field(pattern="^[a-z0-9_.-]{1,32}$")] = "api"


class RefundIn(Body):
    reference: _Reference
    amount: Amount = Field(description="Minor units of the payment's currency, more than 0")
    reason: Annotated[str, Strict(), Field(min_length=1, max_length=500, pattern=NOT_BLANK)]


class RefundOut(BaseModel):
    transfer_id: uuid.UUID
    amount: int
    timestamp: int


class PaymentOut(BaseModel):
    id: uuid.UUID
    reference: str
    #: The intent's state: initiated, screened, checked, reserved, settled, failed, cancelled.
    state: str
    #: `state`, or refunded / partially_refunded for a settled payment with refunds.
    status: str
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    currency: str
    description: str
    channel: str
    customer: str | None
    fees: int | None
    taxes: int | None
    refunded: int
    refunds: list[RefundOut]
    decision: dict[str, Any] | None
    error: str | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        i, r = p.intent, p.request
        return cls(
            id=i.id,
            reference=i.reference,
            state=i.state,
            status=p.status,
            debit_account_id=r.debit_account_id,
            credit_account_id=r.credit_account_id,
            amount=r.amount,
            currency=r.currency,
            description=r.description,
            channel=r.channel,
            customer=r.customer,
            fees=p.fees,
            taxes=p.taxes,
            refunded=p.refunded,
            refunds=[
                RefundOut(transfer_id=t.id, amount=t.amount, timestamp=t.timestamp)
                for t in p.refunds
            ],
            decision=i.results.get("screen"),
            error=i.error,
            created_at=i.created_at,
            updated_at=i.updated_at,
        )


class PaymentDetailOut(PaymentOut):
    transitions: list[TransitionOut]
    steps: list[StepOut]
    #: The review case's intent, when screening asked for one.
    children: list[IntentOut]

    @classmethod
    def of_detail(cls, d: PaymentDetail) -> PaymentDetailOut:
        return cls(
            **PaymentOut.of(d.payment).model_dump(),
            transitions=[TransitionOut.of(t) for t in d.detail.transitions],
            steps=[StepOut.of(s) for s in d.detail.steps],
            children=[IntentOut.of(c) for c in d.detail.children],
        )


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None


@router.post(
    "/v1/banking/payments",
    response_model=PaymentOut,
    status_code=201,
    summary="Pay from one of the bank's accounts to another",
    responses={200: {"model": PaymentOut, **_RETRIED}, **_CONFLICT},
)
async def pay(body: PayIn, caller: Caller, payments: Payments, response: Response) -> PaymentOut:
    """Write role. The payment runs as an intent: screened, held for review when the rules ask,
    priced and checked against the payer's product limits, reserved with its charges, settled.
    An unknown payer account (or another tenant's) is a 404; a refusal later on (funds, limits,
    compliance) leaves the payment `failed` with the reason in `error`."""
    request = body.model_dump(exclude={"reference"}, mode="json")
    payment, created = await payments.pay(caller, body.reference, request)
    if not created:
        response.status_code = 200
    return PaymentOut.of(payment)


@router.get("/v1/banking/payments", response_model=PaymentPage, summary="List payments")
async def list_payments(
    caller: Caller,
    payments: Payments,
    account: uuid.UUID | None = None,
    customer: uuid.UUID | None = None,
    state: _State = None,
    cursor: _Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")] = 50,
) -> PaymentPage:
    """Newest first: from `account`, of `customer`, in `state`; follow `next_cursor`."""
    items, next_cursor = await payments.find(
        caller, account=account, customer=customer, state=state, cursor=cursor, limit=limit
    )
    return PaymentPage(items=[PaymentOut.of(p) for p in items], next_cursor=next_cursor)


@router.get("/v1/banking/payments/{id}", response_model=PaymentDetailOut, summary="Show a payment")
async def show_payment(id: uuid.UUID, caller: Caller, payments: Payments) -> PaymentDetailOut:
    """With its timeline (transitions), step results and review case intent."""
    return PaymentDetailOut.of_detail(await payments.show(caller, id))


@router.post(
    "/v1/banking/payments/{id}/refunds",
    response_model=IntentOut,
    status_code=201,
    summary="Refund a settled payment, in full or in part",
    responses={200: {"model": IntentOut, **_RETRIED}, **_CONFLICT},
)
async def refund_payment(
    id: uuid.UUID, body: RefundIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. The refund is a `banking.payment.refund` intent: it fails (state `failed`,
    the reason in `error`) when the payment is not settled or the refunds would exceed it."""
    intent, created = await payments.refund(caller, id, body.reference, body.amount, body.reason)
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)

"""/v1/banking/payments, /deposits and /cards: payments between the bank's accounts and their
refunds, money arriving from outside (whole or in parts), card holds and their captures, over HTTP
(strongroom.banking.payments.service.PaymentService). Each is an intent: answered at once (201)
in the state it reached, and followed by reading it again."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic.json_schema import SkipJsonSchema

from strongroom.api.http.auth import Caller
from strongroom.api.http.bank import bank_service
from strongroom.api.http.models import (
    NOT_BLANK,
    IntentDetailOut,
    IntentOut,
    PositiveAmount,
    StepOut,
    TransitionOut,
    digits_at_most,
)
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.banking.payments.card import DEFAULT_HOLD, EXPIRY_GRACE
from strongroom.banking.payments.service import Payment, PaymentDetail, PaymentService
from strongroom.ledger.queries import INT64_MAX
from strongroom.ledger.rules import TIMEOUT_MAX
from strongroom.workflows.definitions import KEY_PATTERN
from strongroom.workflows.service import MAX_PAGE

router = APIRouter(tags=["payments"], responses=RESPONSES, route_class=JsonBodyRoute)

#: As every intent reference: 1 to 200 characters, none a control character.
_Reference = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=KEY_PATTERN)]
_Currency = Annotated[str, Strict(), Field(pattern="^[A-Z]{3}$")]
_Description = Annotated[str, Strict(), Field(max_length=140)]
_Channel = Annotated[str, Strict(), Field(pattern="^[a-z0-9_.-]{1,32}$")]
_State = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
_Cursor = Annotated[
    str | None,
    Query(pattern=digits_at_most(INT64_MAX), description="next_cursor of the last page"),
]
_RETRIED = {"description": "Submitted before with this reference and content"}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: documented("The reference was used with other content (reference_conflict)")
}


Payments = Annotated[PaymentService, Depends(bank_service(lambda b: b.payments))]


def _absent(schema: dict[str, Any]) -> None:
    """An optional field the schema shows without a default: one absent is not null."""
    schema.pop("default", None)


class PayIn(Body):
    """To another account of the bank (`credit_account_id`) or to one of the payer's
    beneficiaries at another bank (`beneficiary_id`, paid through the clearing account): exactly
    one of the two."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["credit_account_id"]}, {"required": ["beneficiary_id"]}]
        },
    )

    reference: _Reference = Field(description="Unique per tenant: paying again with it is a retry")
    debit_account_id: uuid.UUID
    # Absent rather than null: the schema's oneOf counts the keys present.
    credit_account_id: uuid.UUID | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_absent
    )
    beneficiary_id: uuid.UUID | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_absent
    )
    amount: PositiveAmount = Field(description="Minor units of `currency`, more than 0")
    currency: _Currency
    description: _Description = ""
    channel: _Channel = "api"

    @model_validator(mode="after")
    def _one_payee(self) -> PayIn:
        if (self.credit_account_id is None) == (self.beneficiary_id is None):
            raise ValueError("give exactly one of credit_account_id and beneficiary_id")
        return self


class SenderIn(Body):
    name: Annotated[str, Strict(), Field(min_length=1, max_length=140)] | None = None
    country: Annotated[str, Strict(), Field(pattern="^[A-Z]{2}$")] | None = None
    account: Annotated[str, Strict(), Field(min_length=1, max_length=64)] | None = None


class DepositIn(Body):
    reference: _Reference
    account_id: uuid.UUID
    amount: PositiveAmount = Field(description="Minor units of `currency`, more than 0")
    currency: _Currency
    sender: SenderIn = Field(default_factory=SenderIn)
    description: _Description = ""
    channel: _Channel = "transfer"


class MultipartIn(Body):
    reference: _Reference
    account_id: uuid.UUID
    amount: PositiveAmount = Field(description="The whole expected, in minor units of `currency`")
    currency: _Currency
    expires_in: Annotated[int, Strict(), Field(ge=1, le=TIMEOUT_MAX)] = Field(
        description="Seconds until the parts that arrived are returned"
    )
    sender: SenderIn = Field(default_factory=SenderIn)
    description: _Description = ""


class PartIn(Body):
    reference: _Reference
    amount: PositiveAmount = Field(description="Minor units of the deposit's currency, more than 0")


class MerchantIn(Body):
    name: Annotated[str, Strict(), Field(min_length=1, max_length=140)]
    country: Annotated[str, Strict(), Field(pattern="^[A-Z]{2}$")] | None = None
    category: Annotated[str, Strict(), Field(pattern="^[0-9]{4}$")] | None = None


class AuthorisationIn(Body):
    reference: _Reference
    account_id: uuid.UUID
    amount: PositiveAmount = Field(description="Minor units of `currency`, more than 0")
    currency: _Currency
    merchant: MerchantIn
    hold_seconds: Annotated[int, Strict(), Field(ge=1, le=TIMEOUT_MAX - EXPIRY_GRACE)] = (
        DEFAULT_HOLD
    )


class CaptureIn(Body):
    reference: _Reference
    amount: PositiveAmount = Field(description="At most the amount held; the rest is released")


class ReleaseIn(Body):
    reference: _Reference


class RefundIn(Body):
    reference: _Reference
    amount: PositiveAmount = Field(description="Minor units of the payment's currency, more than 0")
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
    #: The payee: an account of the bank, or a beneficiary (paid through the clearing account).
    credit_account_id: uuid.UUID | None
    beneficiary_id: uuid.UUID | None
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
            beneficiary_id=r.beneficiary_id,
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
    request = body.model_dump(exclude={"reference"}, mode="json", exclude_none=True)
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
    refunded = await payments.refund(caller, id, body.reference, body.amount, body.reason)
    return _answer(refunded, response)


def _answer(submitted: tuple[Any, bool], response: Response) -> IntentOut:
    intent, created = submitted
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)


_SUBMITTED: dict[int | str, dict[str, Any]] = {200: {"model": IntentOut, **_RETRIED}, **_CONFLICT}


@router.post(
    "/v1/banking/deposits",
    response_model=IntentOut,
    status_code=201,
    summary="Credit money that arrived from outside the bank",
    responses=_SUBMITTED,
)
async def deposit(
    body: DepositIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.payment.deposit` intent: screened (incoming), held for review when
    the rules ask, credited from the tenant's clearing account with the product's charges."""
    request = body.model_dump(exclude={"reference"}, mode="json", exclude_none=True)
    return _answer(await payments.deposit(caller, body.reference, request), response)


@router.post(
    "/v1/banking/multipart-deposits",
    response_model=IntentOut,
    status_code=201,
    summary="Expect a deposit that arrives in parts",
    responses=_SUBMITTED,
)
async def expect_parts(
    body: MultipartIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.deposit.multipart` intent: once screened it collects parts
    (POST .../{id}/parts) until they make the whole, which is then credited at once, or until
    `expires_in` passes and the parts are returned."""
    request = body.model_dump(exclude={"reference"}, mode="json", exclude_none=True)
    return _answer(await payments.expect_parts(caller, body.reference, request), response)


@router.post(
    "/v1/banking/multipart-deposits/{id}/parts",
    response_model=IntentOut,
    status_code=201,
    summary="Record a part of a multi-part deposit",
    responses=_SUBMITTED,
)
async def add_part(
    id: uuid.UUID, body: PartIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.deposit.part` intent: held as a pending credit; the part that
    completes the whole posts them all. One over what is still expected fails."""
    return _answer(await payments.add_part(caller, id, body.reference, body.amount), response)


@router.get("/v1/banking/deposits/{id}", response_model=IntentDetailOut, summary="Show a deposit")
async def show_deposit(id: uuid.UUID, caller: Caller, payments: Payments) -> IntentDetailOut:
    """A deposit, whole or in parts, with its timeline and step results."""
    return IntentDetailOut.of_detail(await payments.show_deposit(caller, id))


@router.post(
    "/v1/banking/cards/authorisations",
    response_model=IntentOut,
    status_code=201,
    summary="Authorise a card payment: hold the money",
    responses=_SUBMITTED,
)
async def authorise(
    body: AuthorisationIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.card.authorisation` intent: screened, priced and checked against
    the card limits, then the amount and its charges held (`held`) until captured, released or
    expired after `hold_seconds`; a refusal ends it `declined`."""
    request = body.model_dump(exclude={"reference"}, mode="json", exclude_none=True)
    return _answer(await payments.authorise(caller, body.reference, request), response)


@router.get(
    "/v1/banking/cards/authorisations/{id}",
    response_model=IntentDetailOut,
    summary="Show a card authorisation",
)
async def show_authorisation(id: uuid.UUID, caller: Caller, payments: Payments) -> IntentDetailOut:
    return IntentDetailOut.of_detail(await payments.show_card(caller, id))


@router.post(
    "/v1/banking/cards/authorisations/{id}/captures",
    response_model=IntentOut,
    status_code=201,
    summary="Capture a card hold, in full or in part",
    responses=_SUBMITTED,
)
async def capture(
    id: uuid.UUID, body: CaptureIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.card.capture` intent: posts the captured amount (the ledger
    releases the rest of the hold); fails when the hold is no longer held or is smaller."""
    return _answer(await payments.capture(caller, id, body.reference, body.amount), response)


@router.post(
    "/v1/banking/cards/authorisations/{id}/releases",
    response_model=IntentOut,
    status_code=201,
    summary="Release a card hold",
    responses=_SUBMITTED,
)
async def release(
    id: uuid.UUID, body: ReleaseIn, caller: Caller, payments: Payments, response: Response
) -> IntentOut:
    """Write role. A `banking.card.release` intent: voids the hold."""
    return _answer(await payments.release(caller, id, body.reference), response)

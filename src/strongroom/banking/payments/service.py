"""`PaymentService`: what the API and the CLI call to pay, follow a payment and refund it.

A payment is its intent (strongroom.workflows): the reference, the request, the state and the
history are the intent's; what this adds is the payment's reading of it (charges, what was
refunded, read from the ledger) and the checks a request must pass before anything is
submitted: the payer's account is the caller's tenant's (else it is a NotFound, as if it did not
exist), the payer's customer is recorded with the intent for the views.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from strongroom.banking.fields import as_sent
from strongroom.banking.payments.card import AUTHORISATION, CAPTURE, RELEASE, Authorisation
from strongroom.banking.payments.deposit import TYPE as DEPOSIT_TYPE
from strongroom.banking.payments.deposit import Deposit
from strongroom.banking.payments.internal import TYPE as PAYMENT_TYPE
from strongroom.banking.payments.internal import InternalPayment
from strongroom.banking.payments.multipart import MULTIPART, PART, MultipartDeposit
from strongroom.banking.payments.refund import TYPE as REFUND_TYPE
from strongroom.banking.payments.refund import refunds_of
from strongroom.banking.types import Directory
from strongroom.errors import NotFound, ValidationError
from strongroom.ledger import Ledger, Transfer
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentDetail


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment as its payer sees it. `status` is the intent's state, or `refunded` /
    `partially_refunded` for a settled payment with refunds."""

    intent: Intent
    request: InternalPayment
    status: str
    fees: int | None
    taxes: int | None
    refunded: int
    refunds: tuple[Transfer, ...]


@dataclass(frozen=True, slots=True)
class PaymentDetail:
    payment: Payment
    detail: IntentDetail


class PaymentService:
    def __init__(self, intents: IntentService, directory: Directory, ledger: Ledger) -> None:
        self.intents = intents
        self.directory = directory
        self.ledger = ledger

    async def pay(
        self, who: Principal, reference: str, request: dict[str, Any]
    ) -> tuple[Payment, bool]:
        """Submit a payment (`request`: the fields of InternalPayment but `customer`); the same
        reference and request again returns the first (False: not created now)."""
        # The role first: a reader must not learn which accounts exist.
        with acting(who, Role.WRITE):
            if "customer" in request:
                raise ValidationError("customer", "is the payer account's customer, not given")
            checked: InternalPayment = _decode(self.intents, PAYMENT_TYPE, request)
            payer = await self.directory.account(who.tenant, checked.debit_account_id)
            payload = {**request, "customer": str(payer.customer_id)}
            submitted = await self.intents.submit_checked(who, PAYMENT_TYPE, reference, payload)
            return await self._payment(submitted.intent), submitted.created

    async def deposit(
        self, who: Principal, reference: str, request: dict[str, Any]
    ) -> tuple[Intent, bool]:
        """Submit money arriving from outside into an account (`request`: the fields of
        Deposit); an account of another tenant, or none, is a NotFound."""
        with acting(who, Role.WRITE):
            checked: Deposit = _decode(self.intents, DEPOSIT_TYPE, request)
            await self.directory.account(who.tenant, checked.account_id)
            submitted = await self.intents.submit_checked(who, DEPOSIT_TYPE, reference, request)
            return submitted.intent, submitted.created

    async def expect_parts(
        self, who: Principal, reference: str, request: dict[str, Any]
    ) -> tuple[Intent, bool]:
        """Open a deposit that arrives in parts (`request`: the fields of MultipartDeposit)."""
        with acting(who, Role.WRITE):
            checked: MultipartDeposit = _decode(self.intents, MULTIPART, request)
            await self.directory.account(who.tenant, checked.account_id)
            submitted = await self.intents.submit_checked(who, MULTIPART, reference, request)
            return submitted.intent, submitted.created

    async def add_part(
        self, who: Principal, multipart_id: uuid.UUID, reference: str, amount: int
    ) -> tuple[Intent, bool]:
        """Submit a part that arrived for a multi-part deposit."""
        await self.show_deposit(who, multipart_id)
        body = {"multipart_id": str(multipart_id), "amount": amount}
        _decode(self.intents, PART, body)
        submitted = await self.intents.submit_checked(who, PART, reference, body)
        return submitted.intent, submitted.created

    async def show_deposit(self, who: Principal, deposit_id: uuid.UUID) -> IntentDetail:
        """A deposit, whole or in parts."""
        detail = await self.intents.show(who, deposit_id)
        if detail.intent.type not in (DEPOSIT_TYPE, MULTIPART):
            raise NotFound(f"deposit {deposit_id} not found")
        return detail

    async def authorise(
        self, who: Principal, reference: str, request: dict[str, Any]
    ) -> tuple[Intent, bool]:
        """Submit a card authorisation (`request`: the fields of Authorisation but `customer`)."""
        with acting(who, Role.WRITE):
            if "customer" in request:
                raise ValidationError("customer", "is the card account's customer, not given")
            checked: Authorisation = _decode(self.intents, AUTHORISATION, request)
            account = await self.directory.account(who.tenant, checked.account_id)
            payload = {**request, "customer": str(account.customer_id)}
            submitted = await self.intents.submit_checked(who, AUTHORISATION, reference, payload)
            return submitted.intent, submitted.created

    async def capture(
        self, who: Principal, authorisation_id: uuid.UUID, reference: str, amount: int
    ) -> tuple[Intent, bool]:
        """Submit the capture of `amount` of a held authorisation."""
        await self._card(who, authorisation_id)
        body = {"authorisation_id": str(authorisation_id), "amount": amount}
        _decode(self.intents, CAPTURE, body)
        submitted = await self.intents.submit_checked(who, CAPTURE, reference, body)
        return submitted.intent, submitted.created

    async def release(
        self, who: Principal, authorisation_id: uuid.UUID, reference: str
    ) -> tuple[Intent, bool]:
        """Submit the release of a held authorisation."""
        await self._card(who, authorisation_id)
        body = {"authorisation_id": str(authorisation_id)}
        submitted = await self.intents.submit_checked(who, RELEASE, reference, body)
        return submitted.intent, submitted.created

    async def show_card(self, who: Principal, authorisation_id: uuid.UUID) -> IntentDetail:
        return await self._card(who, authorisation_id)

    async def _card(self, who: Principal, authorisation_id: uuid.UUID) -> IntentDetail:
        detail = await self.intents.show(who, authorisation_id)
        if detail.intent.type != AUTHORISATION:
            raise NotFound(f"card authorisation {authorisation_id} not found")
        return detail

    async def show(self, who: Principal, payment_id: uuid.UUID) -> PaymentDetail:
        detail = await self.intents.show(who, payment_id)
        if detail.intent.type != PAYMENT_TYPE:
            raise NotFound(f"payment {payment_id} not found")
        return PaymentDetail(await self._payment(detail.intent), detail)

    async def find(
        self,
        who: Principal,
        *,
        account: uuid.UUID | None = None,
        customer: uuid.UUID | None = None,
        state: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Payment], str | None]:
        """The tenant's payments, newest first, from an account or of a customer."""
        items, more = await self.intents.find(
            who,
            type=PAYMENT_TYPE,
            state=state,
            account=None if account is None else str(account),
            customer=None if customer is None else str(customer),
            cursor=cursor,
            limit=limit,
        )
        return [await self._payment(i) for i in items], more

    async def refund(
        self, who: Principal, payment_id: uuid.UUID, reference: str, amount: int, reason: str
    ) -> tuple[Intent, bool]:
        """Submit a refund of `amount` of a payment; whether it fits is decided in its turn
        among the payment's refunds (the intent fails with the reason when it does not)."""
        await self.show(who, payment_id)
        body = {"payment_id": str(payment_id), "amount": amount, "reason": reason}
        _decode(self.intents, REFUND_TYPE, body)
        submitted = await self.intents.submit_checked(who, REFUND_TYPE, reference, body)
        return submitted.intent, submitted.created

    async def _payment(self, intent: Intent) -> Payment:
        request = msgspec.convert(intent.payload, InternalPayment)
        priced = intent.results.get("limits")
        refunds = (
            tuple(await refunds_of(self.ledger, intent.id)) if intent.state == "settled" else ()
        )
        refunded = sum(t.amount for t in refunds)
        status = intent.state
        if refunded:
            status = "refunded" if refunded == request.amount else "partially_refunded"
        return Payment(
            intent,
            request,
            status,
            None if priced is None else priced["fees"],
            None if priced is None else priced["taxes"],
            refunded,
            refunds,
        )


def _decode(intents: IntentService, type: str, request: dict[str, Any]) -> Any:
    """`request` checked by the payload schema of `type`, so that a malformed one is refused
    before any lookup; its fields named as the caller sent them (the request is the payload)."""
    with as_sent():
        return intents.registry.get(type).decode(request)

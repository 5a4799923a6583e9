"""`BankingServicer`: strongroom.v1.Banking on grpc.aio, over the bank's services
(strongroom.banking.services.BankingServices): the same operations as /v1/banking over HTTP.
A request's fields become the service's request mapping, so the payload schemas check them and
name a bad field as over HTTP."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.gen import banking_pb2 as pb
from strongroom.api.grpc.gen import banking_pb2_grpc
from strongroom.api.grpc.intents import detail_pb, intent_pb
from strongroom.banking.payments.card import DEFAULT_HOLD
from strongroom.banking.payments.service import Payment
from strongroom.banking.services import BankingServices
from strongroom.ids import parse_id
from strongroom.services.access import AccessService, Principal
from strongroom.workflows.types import Intent, IntentDetail

_DEFAULT_LIMIT = 50
_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


def _submitted(submitted: tuple[Intent, bool]) -> pb.Submitted:
    intent, created = submitted
    return pb.Submitted(intent=intent_pb(intent), created=created)


def _payment_pb(p: Payment, detail: IntentDetail | None = None) -> pb.BankPayment:
    return pb.BankPayment(
        detail=detail_pb(detail or IntentDetail(p.intent, [], [], [])),
        status=p.status,
        fees=p.fees,
        taxes=p.taxes,
        refunded=p.refunded,
        refunds=[
            pb.Refund(transfer_id=str(t.id), amount=t.amount, timestamp=t.timestamp)
            for t in p.refunds
        ],
    )


def _sender(message: pb.Sender) -> dict[str, str]:
    return _texts(name=message.name, country=message.country, account=message.account)


def _texts(**values: str) -> dict[str, str]:
    """The optional texts given (proto3 sends an empty text for none)."""
    return {name: value for name, value in values.items() if value}


class BankingServicer(Calls, banking_pb2_grpc.BankingServicer):
    service_name = "strongroom.v1.Banking"

    def __init__(self, banking: BankingServices, access: AccessService) -> None:
        super().__init__(access)
        self._payments = banking.payments

    async def Pay(self, request: pb.PayRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            body = {
                "debit_account_id": request.debit_account_id,
                "credit_account_id": request.credit_account_id,
                "amount": request.amount,
                "currency": request.currency,
                **_texts(description=request.description, channel=request.channel),
            }
            payment, created = await self._payments.pay(who, request.reference, body)
            return pb.Submitted(intent=intent_pb(payment.intent), created=created)

        return await self._call("Pay", context, work)

    async def ShowPayment(
        self, request: pb.ShowPaymentRequest, context: _Context
    ) -> pb.BankPayment:
        async def work(who: Principal) -> pb.BankPayment:
            shown = await self._payments.show(who, parse_id(request.id, "id"))
            return _payment_pb(shown.payment, shown.detail)

        return await self._call("ShowPayment", context, work)

    async def ListPayments(
        self, request: pb.ListPaymentsRequest, context: _Context
    ) -> pb.PaymentPage:
        async def work(who: Principal) -> pb.PaymentPage:
            items, next_cursor = await self._payments.find(
                who,
                account=parse_id(request.account, "account")
                if request.HasField("account")
                else None,
                customer=parse_id(request.customer, "customer")
                if request.HasField("customer")
                else None,
                state=request.state if request.HasField("state") else None,
                cursor=request.cursor or None,
                limit=request.limit or _DEFAULT_LIMIT,
            )
            return pb.PaymentPage(
                items=[_payment_pb(p) for p in items], next_cursor=next_cursor or ""
            )

        return await self._call("ListPayments", context, work)

    async def Refund(self, request: pb.RefundRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            return _submitted(
                await self._payments.refund(
                    who,
                    parse_id(request.payment_id, "payment_id"),
                    request.reference,
                    request.amount,
                    request.reason,
                )
            )

        return await self._call("Refund", context, work)

    async def Deposit(self, request: pb.DepositRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            body = {
                "account_id": request.account_id,
                "amount": request.amount,
                "currency": request.currency,
                "sender": _sender(request.sender),
                **_texts(description=request.description, channel=request.channel),
            }
            return _submitted(await self._payments.deposit(who, request.reference, body))

        return await self._call("Deposit", context, work)

    async def ExpectParts(self, request: pb.ExpectPartsRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            body = {
                "account_id": request.account_id,
                "amount": request.amount,
                "currency": request.currency,
                "expires_in": request.expires_in,
                "sender": _sender(request.sender),
                **_texts(description=request.description),
            }
            return _submitted(await self._payments.expect_parts(who, request.reference, body))

        return await self._call("ExpectParts", context, work)

    async def AddPart(self, request: pb.AddPartRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            whole = parse_id(request.multipart_id, "multipart_id")
            return _submitted(
                await self._payments.add_part(who, whole, request.reference, request.amount)
            )

        return await self._call("AddPart", context, work)

    async def Authorise(self, request: pb.AuthoriseRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            merchant = request.merchant
            body = {
                "account_id": request.account_id,
                "amount": request.amount,
                "currency": request.currency,
                "merchant": {
                    "name": merchant.name,
                    **_texts(country=merchant.country, category=merchant.category),
                },
                "hold_seconds": request.hold_seconds or DEFAULT_HOLD,
            }
            return _submitted(await self._payments.authorise(who, request.reference, body))

        return await self._call("Authorise", context, work)

    async def Capture(self, request: pb.CaptureRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            held = parse_id(request.authorisation_id, "authorisation_id")
            return _submitted(
                await self._payments.capture(who, held, request.reference, request.amount)
            )

        return await self._call("Capture", context, work)

    async def Release(self, request: pb.ReleaseRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            held = parse_id(request.authorisation_id, "authorisation_id")
            return _submitted(await self._payments.release(who, held, request.reference))

        return await self._call("Release", context, work)

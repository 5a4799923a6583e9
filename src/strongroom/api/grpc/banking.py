"""`BankingServicer`: strongroom.v1.Banking on grpc.aio, over the bank's services
(strongroom.banking.services.BankingServices): the same operations as /v1/banking over HTTP
(payments, deposits, card holds, customers, accounts, pots, statements, beneficiaries, FX, end
of day).
A request's fields become the service's request mapping, so the payload schemas check them and
name a bad field as over HTTP; the bounds the HTTP models put on fields a service does not
check itself (a currency's form, a rate's, a reason's length) are checked here with `Fields`."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, TypeAlias

import grpc

from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.fields import Fields
from strongroom.api.grpc.gen import banking_pb2 as pb
from strongroom.api.grpc.gen import banking_pb2_grpc
from strongroom.api.grpc.gen import intents_pb2 as intents_pb
from strongroom.api.grpc.intents import detail_pb, intent_pb
from strongroom.banking.accounts import AccountView
from strongroom.banking.customers import CustomerView
from strongroom.banking.payments.card import DEFAULT_HOLD
from strongroom.banking.payments.service import Payment
from strongroom.banking.ports import BeneficiaryRecord, FxQuote, FxRate
from strongroom.banking.pots import PotView
from strongroom.banking.services import BankingServices
from strongroom.banking.statements import Statement, as_csv, as_pdf
from strongroom.errors import ValidationError
from strongroom.ids import parse_id
from strongroom.services.access import AccessService, Principal
from strongroom.workflows.types import Intent, IntentDetail

_DEFAULT_LIMIT = 50
_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
# The bounds of the HTTP models (strongroom.api.http.banking_customers, banking_fx).
_CURRENCY = re.compile(r"[A-Z]{3}")
_CURRENCY_REASON = "must be 3 upper-case letters (ISO 4217)"
_RATE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
_REASON_MAX = 500
_SOURCE_MAX = 100
_NAME_MAX = 140
_FORMATS = ("json", "csv", "pdf")


def submitted_pb(submitted: tuple[Intent, bool]) -> pb.Submitted:
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
        self._banking = banking
        self._payments = banking.payments

    async def Pay(self, request: pb.PayRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            body = {
                "debit_account_id": request.debit_account_id,
                "amount": request.amount,
                "currency": request.currency,
                **_texts(
                    credit_account_id=request.credit_account_id,
                    beneficiary_id=request.beneficiary_id,
                    description=request.description,
                    channel=request.channel,
                ),
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
            return submitted_pb(
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
            return submitted_pb(await self._payments.deposit(who, request.reference, body))

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
            return submitted_pb(await self._payments.expect_parts(who, request.reference, body))

        return await self._call("ExpectParts", context, work)

    async def AddPart(self, request: pb.AddPartRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            whole = parse_id(request.multipart_id, "multipart_id")
            return submitted_pb(
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
            return submitted_pb(await self._payments.authorise(who, request.reference, body))

        return await self._call("Authorise", context, work)

    async def Capture(self, request: pb.CaptureRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            held = parse_id(request.authorisation_id, "authorisation_id")
            return submitted_pb(
                await self._payments.capture(who, held, request.reference, request.amount)
            )

        return await self._call("Capture", context, work)

    async def Release(self, request: pb.ReleaseRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            held = parse_id(request.authorisation_id, "authorisation_id")
            return submitted_pb(await self._payments.release(who, held, request.reference))

        return await self._call("Release", context, work)

    # -- customers, accounts, pots ------------------------------------------------------------

    async def Onboard(self, request: pb.OnboardRequest, context: _Context) -> pb.Customer:
        async def work(who: Principal) -> pb.Customer:
            p = request.person
            body: dict[str, Any] = {
                "full_name": p.full_name,
                "date_of_birth": p.date_of_birth,
                "nationality": p.nationality,
                "national_id": p.national_id,
                "national_id_kind": request.national_id_kind,
                "document_number": p.document_number,
                "document_expiry": p.document_expiry,
                **_texts(email=p.email, phone=p.phone, address=p.address),
            }
            view, _ = await self._banking.customers.onboard(who, request.reference, body)
            return _customer_pb(view)

        return await self._call("Onboard", context, work)

    async def ShowCustomer(self, request: pb.ShowCustomerRequest, context: _Context) -> pb.Customer:
        async def work(who: Principal) -> pb.Customer:
            return _customer_pb(await self._banking.customers.show(who, parse_id(request.id, "id")))

        return await self._call("ShowCustomer", context, work)

    async def FindCustomers(
        self, request: pb.FindCustomersRequest, context: _Context
    ) -> pb.CustomerPage:
        async def work(who: Principal) -> pb.CustomerPage:
            if request.cursor and not request.cursor.isdigit():
                raise ValidationError("cursor", "not a cursor this listing returned")
            found, more = await self._banking.customers.find(
                who,
                email=request.email if request.HasField("email") else None,
                phone=request.phone if request.HasField("phone") else None,
                national_id=request.national_id if request.HasField("national_id") else None,
                cursor=int(request.cursor) if request.cursor else None,
                limit=request.limit or _DEFAULT_LIMIT,
            )
            return pb.CustomerPage(
                items=[_customer_pb(v) for v in found],
                next_cursor="" if more is None else str(more),
            )

        return await self._call("FindCustomers", context, work)

    async def VerifyCustomer(
        self, request: pb.ShowCustomerRequest, context: _Context
    ) -> intents_pb.Intent:
        async def work(who: Principal) -> intents_pb.Intent:
            return intent_pb(await self._banking.customers.verify(who, parse_id(request.id, "id")))

        return await self._call("VerifyCustomer", context, work)

    async def SetRisk(self, request: pb.SetRiskRequest, context: _Context) -> pb.Customer:
        async def work(who: Principal) -> pb.Customer:
            return _customer_pb(
                await self._banking.customers.set_risk(
                    who, parse_id(request.id, "id"), request.risk_rating, request.reason
                )
            )

        return await self._call("SetRisk", context, work)

    async def Erase(self, request: pb.EraseRequest, context: _Context) -> pb.Customer:
        async def work(who: Principal) -> pb.Customer:
            return _customer_pb(
                await self._banking.customers.erase(who, parse_id(request.id, "id"), request.reason)
            )

        return await self._call("Erase", context, work)

    async def OpenAccount(self, request: pb.OpenAccountRequest, context: _Context) -> pb.Opening:
        async def work(who: Principal) -> pb.Opening:
            account_id, intent, created = await self._banking.accounts.open(
                who,
                request.reference,
                parse_id(request.customer_id, "customer_id"),
                request.currency,
                request.product,
            )
            return pb.Opening(account_id=str(account_id), intent=intent_pb(intent), created=created)

        return await self._call("OpenAccount", context, work)

    async def ShowAccount(
        self, request: pb.ShowAccountRequest, context: _Context
    ) -> pb.BankAccount:
        async def work(who: Principal) -> pb.BankAccount:
            return _account_pb(await self._banking.accounts.show(who, parse_id(request.id, "id")))

        return await self._call("ShowAccount", context, work)

    async def ListAccounts(
        self, request: pb.ShowCustomerRequest, context: _Context
    ) -> pb.BankAccountList:
        async def work(who: Principal) -> pb.BankAccountList:
            views = await self._banking.accounts.of_customer(who, parse_id(request.id, "id"))
            return pb.BankAccountList(items=[_account_pb(v) for v in views])

        return await self._call("ListAccounts", context, work)

    async def SetAccountStatus(
        self, request: pb.BankAccountStatusRequest, context: _Context
    ) -> pb.BankAccount:
        async def work(who: Principal) -> pb.BankAccount:
            return _account_pb(
                await self._banking.accounts.set_status(
                    who, parse_id(request.id, "id"), request.status, request.reason
                )
            )

        return await self._call("SetAccountStatus", context, work)

    async def CloseAccount(
        self, request: pb.CloseAccountRequest, context: _Context
    ) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            return submitted_pb(
                await self._banking.accounts.close(
                    who, parse_id(request.id, "id"), request.reference
                )
            )

        return await self._call("CloseAccount", context, work)

    async def CreatePot(self, request: pb.CreatePotRequest, context: _Context) -> pb.Pot:
        async def work(who: Principal) -> pb.Pot:
            return _pot_pb(
                await self._banking.pots.create(
                    who,
                    request.reference,
                    parse_id(request.account_id, "account_id"),
                    request.name,
                    request.goal,
                    request.round_up,
                )
            )

        return await self._call("CreatePot", context, work)

    async def ListPots(self, request: pb.ShowAccountRequest, context: _Context) -> pb.PotList:
        async def work(who: Principal) -> pb.PotList:
            views = await self._banking.pots.of_account(who, parse_id(request.id, "id"))
            return pb.PotList(items=[_pot_pb(v) for v in views])

        return await self._call("ListPots", context, work)

    async def MovePot(self, request: pb.MovePotRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            return submitted_pb(
                await self._banking.pots.move(
                    who,
                    parse_id(request.pot_id, "pot_id"),
                    request.reference,
                    request.amount,
                    request.direction,
                )
            )

        return await self._call("MovePot", context, work)

    async def SweepPot(self, request: pb.SweepPotRequest, context: _Context) -> pb.Pot:
        async def work(who: Principal) -> pb.Pot:
            pot_id = parse_id(request.pot_id, "pot_id")
            fields = Fields()
            amount = fields.amount(request.amount, "amount")
            spec = fields.text(request.spec, "spec")
            fields.done()
            await self._banking.pots.sweep(who, pot_id, amount, spec)
            return _pot_pb(await self._banking.pots.show(who, pot_id))

        return await self._call("SweepPot", context, work)

    async def RepinAccount(
        self, request: pb.RepinAccountRequest, context: _Context
    ) -> pb.BankAccount:
        async def work(who: Principal) -> pb.BankAccount:
            account_id = parse_id(request.id, "id")
            fields = Fields()
            version = fields.version(request.version, "version")
            reason = fields.not_blank(request.reason, _REASON_MAX, "reason")
            fields.done()
            return _account_pb(await self._banking.accounts.repin(who, account_id, version, reason))

        return await self._call("RepinAccount", context, work)

    async def ShowStatement(self, request: pb.StatementRequest, context: _Context) -> pb.Statement:
        async def work(who: Principal) -> pb.Statement:
            account_id = parse_id(request.account_id, "account_id")
            fields = Fields()
            start = fields.date(request.start, "start")
            end = fields.date(request.end, "end")
            form = request.format or "json"
            if form not in _FORMATS:
                fields.refuse("format", "must be json, csv or pdf")
            fields.done()
            # Both set once done() passed: a refused date raised.
            assert start is not None
            assert end is not None
            made = await self._banking.statements.statement(who, account_id, start, end)
            return await _statement_pb(made, form)

        return await self._call("ShowStatement", context, work)

    # -- beneficiaries ------------------------------------------------------------------------

    async def AddBeneficiary(
        self, request: pb.AddBeneficiaryRequest, context: _Context
    ) -> pb.Beneficiary:
        async def work(who: Principal) -> pb.Beneficiary:
            customer_id = parse_id(request.customer_id, "customer_id")
            fields = Fields()
            fields.not_blank(request.name, _NAME_MAX, "name")
            fields.matching(request.currency, _CURRENCY, "currency", _CURRENCY_REASON)
            local = _texts(
                country=request.country,
                bank_code=request.bank_code,
                account_number=request.account_number,
            )
            # As over HTTP, where a body is either by IBAN or local details, never both.
            if request.iban:
                for name in local:
                    fields.refuse(name, "an IBAN or local details, not both")
            elif request.bic:
                fields.refuse("bic", "only with an IBAN")
            fields.done()
            body = {
                "name": request.name,
                "currency": request.currency,
                **_texts(iban=request.iban, bic=request.bic),
                **local,
            }
            added = await self._banking.beneficiaries.add(who, customer_id, request.reference, body)
            return _beneficiary_pb(added)

        return await self._call("AddBeneficiary", context, work)

    async def ListBeneficiaries(
        self, request: pb.ShowCustomerRequest, context: _Context
    ) -> pb.BeneficiaryList:
        async def work(who: Principal) -> pb.BeneficiaryList:
            found = await self._banking.beneficiaries.of_customer(who, parse_id(request.id, "id"))
            return pb.BeneficiaryList(items=[_beneficiary_pb(b) for b in found])

        return await self._call("ListBeneficiaries", context, work)

    async def ShowBeneficiary(
        self, request: pb.ShowBeneficiaryRequest, context: _Context
    ) -> pb.Beneficiary:
        async def work(who: Principal) -> pb.Beneficiary:
            shown = await self._banking.beneficiaries.show(who, parse_id(request.id, "id"))
            return _beneficiary_pb(shown)

        return await self._call("ShowBeneficiary", context, work)

    async def RemoveBeneficiary(
        self, request: pb.ShowBeneficiaryRequest, context: _Context
    ) -> pb.Beneficiary:
        async def work(who: Principal) -> pb.Beneficiary:
            removed = await self._banking.beneficiaries.remove(who, parse_id(request.id, "id"))
            return _beneficiary_pb(removed)

        return await self._call("RemoveBeneficiary", context, work)

    # -- FX and the end of day ----------------------------------------------------------------

    async def SetFxRate(self, request: pb.SetFxRateRequest, context: _Context) -> pb.FxRate:
        async def work(who: Principal) -> pb.FxRate:
            fields = Fields()
            base = fields.matching(request.base, _CURRENCY, "base", _CURRENCY_REASON)
            quote = fields.matching(request.quote, _CURRENCY, "quote", _CURRENCY_REASON)
            rate = fields.matching(
                request.rate,
                _RATE,
                "rate",
                "must be an exact decimal: 1 to 12 digits, then optionally a point and 1 to 12",
            )
            source = request.source or "manual"
            fields.not_blank(source, _SOURCE_MAX, "source")
            fields.done()
            return _rate_pb(await self._banking.fx.set_rate(who, base, quote, rate, source))

        return await self._call("SetFxRate", context, work)

    async def ListFxRates(self, request: pb.ListFxRatesRequest, context: _Context) -> pb.FxRateList:
        async def work(who: Principal) -> pb.FxRateList:
            return pb.FxRateList(items=[_rate_pb(r) for r in await self._banking.fx.rates(who)])

        return await self._call("ListFxRates", context, work)

    async def QuoteFx(self, request: pb.QuoteFxRequest, context: _Context) -> pb.FxQuote:
        async def work(who: Principal) -> pb.FxQuote:
            fields = Fields()
            sell = fields.matching(
                request.sell_currency, _CURRENCY, "sell_currency", _CURRENCY_REASON
            )
            buy = fields.matching(request.buy_currency, _CURRENCY, "buy_currency", _CURRENCY_REASON)
            amount = fields.amount(request.sell_amount, "sell_amount")
            fields.done()
            return _quote_pb(await self._banking.fx.quote(who, sell, buy, amount))

        return await self._call("QuoteFx", context, work)

    async def ConvertFx(self, request: pb.ConvertFxRequest, context: _Context) -> pb.Submitted:
        async def work(who: Principal) -> pb.Submitted:
            return submitted_pb(
                await self._banking.fx.convert(
                    who,
                    parse_id(request.quote_id, "quote_id"),
                    parse_id(request.debit_account_id, "debit_account_id"),
                    parse_id(request.credit_account_id, "credit_account_id"),
                )
            )

        return await self._call("ConvertFx", context, work)

    async def EndOfDay(self, request: pb.EndOfDayRequest, context: _Context) -> intents_pb.Intent:
        async def work(who: Principal) -> intents_pb.Intent:
            fields = Fields()
            currency = fields.matching(request.currency, _CURRENCY, "currency", _CURRENCY_REASON)
            day = fields.date(request.date, "date")
            fields.done()
            assert day is not None
            return intent_pb(await self._banking.settlement.end_of_day(who, currency, day))

        return await self._call("EndOfDay", context, work)


def _customer_pb(v: CustomerView) -> pb.Customer:
    c, p = v.customer, v.party
    person = None
    if p is not None:
        person = pb.Person(
            full_name=p.full_name,
            date_of_birth="" if p.date_of_birth is None else p.date_of_birth.isoformat(),
            nationality=p.nationality or "",
            national_id=p.national_id or "",
            document_number=p.document_number or "",
            document_expiry="" if p.document_expiry is None else p.document_expiry.isoformat(),
            email=p.email or "",
            phone=p.phone or "",
            address=p.address or "",
        )
    return pb.Customer(
        id=str(c.id),
        reference=v.record.reference,
        kyc_status=c.kyc_status.value,
        risk_rating=c.risk_rating.value,
        created_at=c.created_at,
        verified_at=c.verified_at,
        kyc_expires_at=c.kyc_expires_at,
        kyc_findings_json=json.dumps(list(v.record.kyc_findings)),
        erased=c.erased,
        person=person,
    )


def _account_pb(v: AccountView) -> pb.BankAccount:
    a, held = v.account, v.ledger
    return pb.BankAccount(
        id=str(a.id),
        customer_id=str(a.customer_id),
        currency=a.currency,
        product=a.product,
        product_version=a.product_version,
        status=a.status.value,
        opened_at=a.opened_at,
        closed_at=a.closed_at,
        balance=held.balance,
        debits_pending=held.debits_pending,
        credits_pending=held.credits_pending,
        overdraft_limit=held.overdraft_limit,
    )


def _pot_pb(v: PotView) -> pb.Pot:
    p = v.pot
    sweep = None
    if v.sweep is not None:
        amount = v.sweep.payload["amount"]
        assert isinstance(amount, int)
        sweep = pb.PotSweep(spec=v.sweep.spec, amount=amount, next_at=v.sweep.next_at)
    return pb.Pot(
        id=str(p.id),
        account_id=str(p.account_id),
        currency=p.currency,
        name=p.name,
        goal=p.goal,
        round_up=p.round_up,
        balance=v.balance,
        sweep=sweep,
    )


async def _statement_pb(s: Statement, form: str) -> pb.Statement:
    """The statement's figures, with its movements and holds (json) or its rendering (csv,
    pdf): one copy of the movements per message, whatever the format."""
    shown = pb.Statement(
        account_id=str(s.account.id),
        currency=s.account.currency,
        start=s.start.isoformat(),
        end=s.end.isoformat(),
        opening=s.opening,
        closing=s.closing,
        generated_at=s.generated_at,
        format=form,
    )
    if form == "csv":
        shown.document = as_csv(s).encode()
    elif form == "pdf":
        shown.document = await asyncio.to_thread(as_pdf, s)
    else:
        shown.movements.extend(
            pb.Movement(
                transfer_id=str(m.transfer_id),
                seq=m.seq,
                timestamp=m.timestamp,
                counterparty=str(m.counterparty),
                amount=m.amount,
                description=m.description,
                balance=m.balance,
            )
            for m in s.movements
        )
        shown.holds.extend(
            pb.StatementHold(
                transfer_id=str(h.transfer_id),
                timestamp=h.timestamp,
                amount=h.amount,
                description=h.description,
            )
            for h in s.holds
        )
    return shown


def _beneficiary_pb(b: BeneficiaryRecord) -> pb.Beneficiary:
    return pb.Beneficiary(
        id=str(b.id),
        customer_id=str(b.customer_id),
        name=b.name or "",
        account=b.account or "",
        bic=b.bic or "",
        country=b.country,
        currency=b.currency,
        created_at=b.created_at,
        cooling_off_until=b.cooling_off_until,
        removed_at=b.removed_at,
    )


def _rate_pb(r: FxRate) -> pb.FxRate:
    return pb.FxRate(base=r.base, quote=r.quote, rate=r.rate, as_of=r.as_of, source=r.source)


def _quote_pb(q: FxQuote) -> pb.FxQuote:
    return pb.FxQuote(
        id=str(q.id),
        sell_currency=q.sell_currency,
        buy_currency=q.buy_currency,
        sell_amount=q.sell_amount,
        buy_amount=q.buy_amount,
        rate=q.rate,
        spread_bps=q.spread_bps,
        created_at=q.created_at,
        expires_at=q.expires_at,
    )

"""`strongroom banking payments | deposits | cards ...`: submitting and following the bank's
payments through the same service as the API, acting as an admin of `--tenant` (see
`common.operator`). A command runs no engine: what it submits is run by `serve` or
`worker intents`; `show` follows it. Amounts are minor units. `--json` prints what the HTTP API
would answer, for scripts."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from strongroom.banking.payments.service import Payment, PaymentService
from strongroom.banking.services import BankingServices
from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    on_platform,
    operator,
    parse_uuid,
)
from strongroom.cli.intents import intent_json
from strongroom.settings import Settings
from strongroom.workflows.types import Intent

T = TypeVar("T")

app = typer.Typer(help="Payments between the bank's accounts, and refunds.", no_args_is_help=True)
deposits_app = typer.Typer(help="Money arriving from outside the bank.", no_args_is_help=True)
cards_app = typer.Typer(help="Card holds: authorise, capture, release.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a line.")]
Reference = Annotated[str, typer.Option(help="Your reference: the idempotency key.")]
Amount = Annotated[int, typer.Argument(help="Minor units (cents).", min=1)]
Currency = Annotated[str, typer.Argument(help="ISO 4217 code, e.g. SGD.")]


def _act(settings: Settings, work: Callable[[PaymentService], Awaitable[T]]) -> T:
    async def payments(platform: Platform) -> PaymentService:
        banking: BankingServices = await platform.banking()
        return banking.payments

    return on_platform(settings, payments, work)


def _payment_json(p: Payment) -> dict[str, Any]:
    return {
        **intent_json(p.intent),
        "status": p.status,
        "fees": p.fees,
        "taxes": p.taxes,
        "refunded": p.refunded,
        "refunds": [
            {"transfer_id": str(t.id), "amount": t.amount, "timestamp": t.timestamp}
            for t in p.refunds
        ],
    }


def _submitted(intent: Intent, created: bool, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps({"created": created, "intent": intent_json(intent)}))
        return
    verb = "submitted" if created else "exists"
    console.print(
        f"{intent.id} {intent.type} {verb} ({intent.state})", highlight=False, soft_wrap=True
    )


@app.command("pay")
def pay(
    debit_account: Annotated[str, typer.Argument(help="The payer's account id.")],
    credit_account: Annotated[str, typer.Argument(help="The payee's account id.")],
    amount: Amount,
    currency: Currency,
    reference: Reference,
    description: Annotated[str, typer.Option(help="What the statement says.")] = "",
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Pay from one of the bank's accounts to another."""
    body = {
        "debit_account_id": debit_account,
        "credit_account_id": credit_account,
        "amount": amount,
        "currency": currency,
        "description": description,
    }

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        payment, created = await payments.pay(operator(tenant), reference, body)
        return payment.intent, created

    _submitted(*_act(command_settings(db_url=db), work), as_json)


@app.command("show")
def show(
    payment_id: Annotated[str, typer.Argument(help="The payment's id.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show a payment: its state, charges and refunds."""

    async def work(payments: PaymentService) -> Payment:
        return (await payments.show(operator(tenant), parse_uuid(payment_id))).payment

    payment = _act(command_settings(db_url=db), work)
    if as_json:
        console.print_json(json.dumps(_payment_json(payment)))
        return
    r = payment.request
    console.print(
        f"{payment.intent.id} {payment.status}: {r.amount} {r.currency} "
        f"{r.debit_account_id} -> {r.credit_account_id}; fees {payment.fees}, taxes "
        f"{payment.taxes}, refunded {payment.refunded}"
        + (f"; {payment.intent.error}" if payment.intent.error else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("list")
def list_payments(
    account: Annotated[str | None, typer.Option(help="Only payments from this account.")] = None,
    state: Annotated[str | None, typer.Option(help="Only payments in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The tenant's payments, newest first."""

    async def work(payments: PaymentService) -> list[Payment]:
        found, _ = await payments.find(
            operator(tenant),
            account=None if account is None else parse_uuid(account),
            state=state,
            limit=limit,
        )
        return found

    found = _act(command_settings(db_url=db), work)
    if as_json:
        console.print_json(json.dumps([_payment_json(p) for p in found]))
        return
    for p in found:
        console.print(
            f"{p.intent.id} {p.intent.reference} {p.status} {p.request.amount} "
            f"{p.request.currency}",
            highlight=False,
            soft_wrap=True,
        )


@app.command("refund")
def refund(
    payment_id: Annotated[str, typer.Argument(help="The settled payment's id.")],
    amount: Amount,
    reference: Reference,
    reason: Annotated[str, typer.Option(help="Why the money goes back.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Refund a settled payment, in full or in part."""

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        return await payments.refund(
            operator(tenant), parse_uuid(payment_id), reference, amount, reason
        )

    _submitted(*_act(command_settings(db_url=db), work), as_json)


@deposits_app.command("credit")
def deposit(
    account: Annotated[str, typer.Argument(help="The account credited.")],
    amount: Amount,
    currency: Currency,
    reference: Reference,
    sender: Annotated[str | None, typer.Option(help="The sender's name.")] = None,
    country: Annotated[str | None, typer.Option(help="The sender's country (ISO 3166).")] = None,
    description: Annotated[str, typer.Option(help="What the statement says.")] = "",
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Credit money that arrived from outside the bank (screened first)."""
    who_sent = {k: v for k, v in (("name", sender), ("country", country)) if v is not None}
    body = {
        "account_id": account,
        "amount": amount,
        "currency": currency,
        "sender": who_sent,
        "description": description,
    }

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        return await payments.deposit(operator(tenant), reference, body)

    _submitted(*_act(command_settings(db_url=db), work), as_json)


@cards_app.command("authorise")
def authorise(
    account: Annotated[str, typer.Argument(help="The card's account.")],
    amount: Amount,
    currency: Currency,
    merchant: Annotated[str, typer.Option(help="The merchant's name.")],
    reference: Reference,
    category: Annotated[str | None, typer.Option(help="Merchant category code.")] = None,
    hold_seconds: Annotated[int, typer.Option(min=1, help="How long the hold lasts.")] = 604_800,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Hold money for a card payment."""
    body = {
        "account_id": account,
        "amount": amount,
        "currency": currency,
        "merchant": {"name": merchant, **({"category": category} if category else {})},
        "hold_seconds": hold_seconds,
    }

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        return await payments.authorise(operator(tenant), reference, body)

    _submitted(*_act(command_settings(db_url=db), work), as_json)


@cards_app.command("capture")
def capture(
    authorisation_id: Annotated[str, typer.Argument(help="The held authorisation.")],
    amount: Amount,
    reference: Reference,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Capture a card hold, in full or in part (the rest is released)."""

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        return await payments.capture(
            operator(tenant), parse_uuid(authorisation_id), reference, amount
        )

    _submitted(*_act(command_settings(db_url=db), work), as_json)


@cards_app.command("release")
def release(
    authorisation_id: Annotated[str, typer.Argument(help="The held authorisation.")],
    reference: Reference,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Release a card hold without capturing it."""

    async def work(payments: PaymentService) -> tuple[Intent, bool]:
        return await payments.release(operator(tenant), parse_uuid(authorisation_id), reference)

    _submitted(*_act(command_settings(db_url=db), work), as_json)

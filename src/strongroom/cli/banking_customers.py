"""`strongroom banking customers | accounts | pots ...`: onboarding and KYC of customers, the
life of their accounts and their pots, through the same services as the API, acting as an admin
of `--tenant` (see `common.operator`). Intents submitted here (a KYC check, an opening, a
closing, a move) are run by `serve` or `worker intents`. `--json` prints what the HTTP API would
answer."""

from __future__ import annotations

import datetime
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer

from strongroom.banking.accounts import AccountService, AccountView
from strongroom.banking.customers import CustomerService, CustomerView
from strongroom.banking.pots import PotService, PotView
from strongroom.banking.statements import Statement, StatementService, as_csv, as_pdf
from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    on_platform,
    operator,
    parse_uuid,
    read_json,
)
from strongroom.cli.intents import intent_json
from strongroom.ledger import AccountStatus as LedgerStatus
from strongroom.settings import Settings

T = TypeVar("T")

customers_app = typer.Typer(
    help="Customers: onboard, find, verify, rate, erase.", no_args_is_help=True
)
accounts_app = typer.Typer(
    help="Accounts: open, show, freeze, close, re-pin.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a line.")]
Reason = Annotated[str, typer.Option(help="Why: recorded in the event and the audit log.")]


def _customers(settings: Settings, work: Callable[[CustomerService], Awaitable[T]]) -> T:
    async def service(platform: Platform) -> CustomerService:
        return (await platform.banking()).customers

    return on_platform(settings, service, work)


def _accounts(settings: Settings, work: Callable[[AccountService], Awaitable[T]]) -> T:
    async def service(platform: Platform) -> AccountService:
        return (await platform.banking()).accounts

    return on_platform(settings, service, work)


def customer_json(v: CustomerView) -> dict[str, Any]:
    c = v.customer
    return {
        "id": str(c.id),
        "reference": v.record.reference,
        "kyc_status": c.kyc_status.value,
        "risk_rating": c.risk_rating.value,
        "created_at": c.created_at,
        "verified_at": c.verified_at,
        "kyc_expires_at": c.kyc_expires_at,
        "kyc_findings": list(v.record.kyc_findings),
        "erased": c.erased,
        "person": None if v.party is None else msgspec.to_builtins(v.party),
    }


def account_json(v: AccountView) -> dict[str, Any]:
    a, held = v.account, v.ledger
    return {
        "id": str(a.id),
        "customer_id": str(a.customer_id),
        "currency": a.currency,
        "product": a.product,
        "product_version": a.product_version,
        "status": a.status.value,
        "opened_at": a.opened_at,
        "closed_at": a.closed_at,
        "balance": held.balance,
        "debits_pending": held.debits_pending,
        "credits_pending": held.credits_pending,
        "overdraft_limit": held.overdraft_limit,
    }


def _print_customer(v: CustomerView, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(customer_json(v)))
        return
    name = "(erased)" if v.party is None else v.party.full_name
    console.print(
        f"{v.customer.id} {name}: KYC {v.customer.kyc_status.value}, risk "
        f"{v.customer.risk_rating.value}",
        highlight=False,
        soft_wrap=True,
    )


def _print_account(v: AccountView, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(account_json(v)))
        return
    a = v.account
    console.print(
        f"{a.id} {a.currency} {a.product} v{a.product_version} {a.status.value}: balance "
        f"{v.ledger.balance}",
        highlight=False,
        soft_wrap=True,
    )


@customers_app.command("onboard")
def onboard(
    reference: Annotated[str, typer.Argument(help="Your reference: the idempotency key.")],
    person: Annotated[
        str, typer.Option(help="The customer as a JSON object, or @FILE (see docs/banking.md).")
    ],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Onboard a customer (personal data sealed) and submit the first KYC check."""

    async def work(customers: CustomerService) -> CustomerView:
        details = read_json(person, "person")
        view, _ = await customers.onboard(operator(tenant), reference, details)
        return view

    _print_customer(_customers(command_settings(db_url=db), work), as_json)


@customers_app.command("show")
def show_customer(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show a customer: KYC state, risk and personal data (decrypted)."""

    async def work(customers: CustomerService) -> CustomerView:
        return await customers.show(operator(tenant), parse_uuid(customer_id))

    _print_customer(_customers(command_settings(db_url=db), work), as_json)


@customers_app.command("find")
def find(
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    national_id: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Find customers by email, phone or national id (every one given must match); with none,
    the newest 50."""

    async def work(customers: CustomerService) -> list[CustomerView]:
        found, _ = await customers.find(
            operator(tenant), email=email, phone=phone, national_id=national_id
        )
        return found

    found = _customers(command_settings(db_url=db), work)
    if as_json:
        console.print_json(json.dumps([customer_json(v) for v in found]))
        return
    for view in found:
        _print_customer(view, False)


@customers_app.command("verify")
def verify(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit a KYC check again (re-verification)."""

    async def work(customers: CustomerService) -> dict[str, Any]:
        return intent_json(await customers.verify(operator(tenant), parse_uuid(customer_id)))

    intent = _customers(command_settings(db_url=db), work)
    console.print(
        f"{intent['id']} {intent['type']} {intent['state']}", highlight=False, soft_wrap=True
    )


@customers_app.command("risk")
def risk(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    rating: Annotated[str, typer.Argument(help="low, medium or high.")],
    reason: Reason,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Set a customer's risk rating."""

    async def work(customers: CustomerService) -> CustomerView:
        return await customers.set_risk(operator(tenant), parse_uuid(customer_id), rating, reason)

    _print_customer(_customers(command_settings(db_url=db), work), False)


@customers_app.command("erase")
def erase(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    reason: Reason,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Crypto-shred a customer's personal data (every account closed first)."""

    async def work(customers: CustomerService) -> CustomerView:
        return await customers.erase(operator(tenant), parse_uuid(customer_id), reason)

    _print_customer(_customers(command_settings(db_url=db), work), False)


@accounts_app.command("open")
def open_account(
    customer_id: Annotated[str, typer.Argument(help="The verified customer.")],
    currency: Annotated[str, typer.Argument(help="ISO 4217 code.")],
    product: Annotated[str, typer.Argument(help="The product (its latest version).")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit the opening of an account; prints its id at once."""

    async def work(accounts: AccountService) -> tuple[str, str]:
        account_id, intent, _ = await accounts.open(
            operator(tenant), reference, parse_uuid(customer_id), currency, product
        )
        return str(account_id), str(intent.id)

    account_id, intent_id = _accounts(command_settings(db_url=db), work)
    console.print(f"{account_id} (intent {intent_id})", highlight=False, soft_wrap=True)


@accounts_app.command("show")
def show_account(
    account_id: Annotated[str, typer.Argument(help="The account's id.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show an account: product, status and balances."""

    async def work(accounts: AccountService) -> AccountView:
        return await accounts.show(operator(tenant), parse_uuid(account_id))

    _print_account(_accounts(command_settings(db_url=db), work), as_json)


@accounts_app.command("status")
def set_status(
    account_id: Annotated[str, typer.Argument(help="The account's id.")],
    status: Annotated[str, typer.Argument(help="frozen or open.")],
    reason: Reason,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Freeze or unfreeze an account."""

    async def work(accounts: AccountService) -> AccountView:
        return await accounts.set_status(operator(tenant), parse_uuid(account_id), status, reason)

    _print_account(_accounts(command_settings(db_url=db), work), False)


@accounts_app.command("close")
def close(
    account_id: Annotated[str, typer.Argument(help="The account's id.")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit the closing of an account (holds released; refused unless at zero)."""

    async def work(accounts: AccountService) -> str:
        intent, _ = await accounts.close(operator(tenant), parse_uuid(account_id), reference)
        return str(intent.id)

    console.print(f"closing: intent {_accounts(command_settings(db_url=db), work)}", soft_wrap=True)


@accounts_app.command("repin")
def repin(
    account_id: Annotated[str, typer.Argument(help="The account's id.")],
    version: Annotated[int, typer.Argument(min=1, help="The product version to move to.")],
    reason: Reason,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Move an account to another version of its product (audited)."""

    async def work(accounts: AccountService) -> AccountView:
        return await accounts.repin(operator(tenant), parse_uuid(account_id), version, reason)

    _print_account(_accounts(command_settings(db_url=db), work), False)


pots_app = typer.Typer(help="Pots: create, list, move money, sweep, close.", no_args_is_help=True)


def _pots(settings: Settings, work: Callable[[PotService], Awaitable[T]]) -> T:
    async def service(platform: Platform) -> PotService:
        return (await platform.banking()).pots

    return on_platform(settings, service, work)


def _print_pot(v: PotView) -> None:
    p = v.pot
    sweep = "" if v.sweep is None else f", sweep {v.sweep.payload['amount']} {v.sweep.spec}"
    console.print(
        f"{p.id} {p.name}: {v.balance} of goal {p.goal} {p.currency}"
        f"{', round-ups' if p.round_up else ''}{sweep}"
        f"{', closed' if v.status is LedgerStatus.CLOSED else ''}",
        highlight=False,
        soft_wrap=True,
    )


@pots_app.command("create")
def create_pot(
    account_id: Annotated[str, typer.Argument(help="The account the pot belongs to.")],
    name: Annotated[str, typer.Argument(help="What the customer saves for.")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    goal: Annotated[int, typer.Option(min=0, help="Minor units saved towards.")] = 0,
    round_up: Annotated[bool, typer.Option(help="Collect the account's round-ups.")] = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Create a pot of an account."""

    async def work(pots: PotService) -> PotView:
        return await pots.create(
            operator(tenant), reference, parse_uuid(account_id), name, goal, round_up
        )

    _print_pot(_pots(command_settings(db_url=db), work))


@pots_app.command("list")
def list_pots(
    account_id: Annotated[str, typer.Argument(help="The account.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """An account's pots with their balances."""

    async def work(pots: PotService) -> list[PotView]:
        return await pots.of_account(operator(tenant), parse_uuid(account_id))

    for view in _pots(command_settings(db_url=db), work):
        _print_pot(view)


@pots_app.command("move")
def move(
    pot_id: Annotated[str, typer.Argument(help="The pot.")],
    amount: Annotated[int, typer.Argument(min=1, help="Minor units.")],
    direction: Annotated[str, typer.Argument(help="in (account to pot) or out.")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit a move of money into or out of a pot."""

    async def work(pots: PotService) -> str:
        intent, _ = await pots.move(
            operator(tenant), parse_uuid(pot_id), reference, amount, direction
        )
        return str(intent.id)

    console.print(f"move: intent {_pots(command_settings(db_url=db), work)}", soft_wrap=True)


@pots_app.command("close")
def close_pot(
    pot_id: Annotated[str, typer.Argument(help="The pot.")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit a pot's closing: its money back to its account, then the pot closed."""

    async def work(pots: PotService) -> str:
        intent, _ = await pots.close(operator(tenant), parse_uuid(pot_id), reference)
        return str(intent.id)

    console.print(f"closing: intent {_pots(command_settings(db_url=db), work)}", soft_wrap=True)


@pots_app.command("sweep")
def sweep(
    pot_id: Annotated[str, typer.Argument(help="The pot.")],
    amount: Annotated[int, typer.Argument(min=1, help="Minor units moved in each time.")],
    spec: Annotated[str, typer.Argument(help='When: "every 1d", "cron 0 9 1 * *", ...')],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Move an amount into a pot on a schedule (replacing the pot's sweep)."""

    async def work(pots: PotService) -> PotView:
        await pots.sweep(operator(tenant), parse_uuid(pot_id), amount, spec)
        return await pots.show(operator(tenant), parse_uuid(pot_id))

    _print_pot(_pots(command_settings(db_url=db), work))


@accounts_app.command("statement")
def statement(
    account_id: Annotated[str, typer.Argument(help="The account.")],
    start: Annotated[str, typer.Option("--from", help="First UTC day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="The UTC day after the last, YYYY-MM-DD.")],
    format: Annotated[str, typer.Option(help="json, csv or pdf.")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write here (pdf needs it).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """An account's statement for a period: opening, movements, closing, holds."""
    if format not in ("json", "csv", "pdf"):
        raise typer.BadParameter("--format must be json, csv or pdf")
    if format == "pdf" and output is None:
        raise typer.BadParameter("a PDF goes to a file: give --output")

    def day(text: str, option: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter(f"{option} must be YYYY-MM-DD, not {text!r}") from None

    async def work(statements: StatementService) -> Statement:
        return await statements.statement(
            operator(tenant), parse_uuid(account_id), day(start, "--from"), day(end, "--to")
        )

    async def service(platform: Platform) -> StatementService:
        return (await platform.banking()).statements

    made = on_platform(command_settings(db_url=db), service, work)
    rendered: str | bytes
    if format == "pdf":
        rendered = as_pdf(made)
    elif format == "csv":
        rendered = as_csv(made)
    else:
        rendered = json.dumps(msgspec.to_builtins(made), indent=2)
    if output is None:
        console.print(rendered, highlight=False, soft_wrap=True, markup=False)
    elif isinstance(rendered, bytes):
        output.write_bytes(rendered)
    else:
        output.write_text(rendered)

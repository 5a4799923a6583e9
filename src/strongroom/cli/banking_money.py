"""`strongroom banking beneficiaries | fx | settle ...`: payees at other banks, currency
conversions and the end of day, through the same services as the API, acting as an admin of
`--tenant` (see `common.operator`). The intents submitted here are run by `serve` or `worker
intents`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer

from strongroom.banking.services import BankingServices
from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    on_platform,
    operator,
    parse_day,
    parse_uuid,
)
from strongroom.settings import Settings

T = TypeVar("T")

beneficiaries_app = typer.Typer(help="Payees at other banks.", no_args_is_help=True)
fx_app = typer.Typer(help="Exchange rates, quotes and conversions.", no_args_is_help=True)


def _bank(settings: Settings, work: Callable[[BankingServices], Awaitable[T]]) -> T:
    return on_platform(settings, Platform.banking, work)


def _print(value: Any) -> None:
    console.print_json(json.dumps(msgspec.to_builtins(value)))


@beneficiaries_app.command("add")
def add(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    name: Annotated[str, typer.Argument(help="The account holder's name.")],
    currency: Annotated[str, typer.Argument(help="ISO 4217 code the payee is paid in.")],
    reference: Annotated[str, typer.Option(help="Your reference: the idempotency key.")],
    iban: Annotated[str | None, typer.Option(help="The payee's IBAN.")] = None,
    bic: Annotated[str | None, typer.Option(help="Its BIC (of the IBAN's country).")] = None,
    country: Annotated[str | None, typer.Option(help="Local details: ISO 3166 country.")] = None,
    bank_code: Annotated[str | None, typer.Option(help="Local details: bank code.")] = None,
    account_number: Annotated[str | None, typer.Option(help="Local details: account.")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Add a beneficiary (screened by name; cooling off at first)."""
    given = {
        "iban": iban,
        "bic": bic,
        "country": country,
        "bank_code": bank_code,
        "account_number": account_number,
    }
    request = {"name": name, "currency": currency, **{k: v for k, v in given.items() if v}}

    async def work(bank: BankingServices) -> Any:
        return await bank.beneficiaries.add(
            operator(tenant), parse_uuid(customer_id), reference, request
        )

    _print(_bank(command_settings(db_url=db), work))


@beneficiaries_app.command("list")
def list_beneficiaries(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """A customer's beneficiaries, removed ones included."""

    async def work(bank: BankingServices) -> Any:
        return await bank.beneficiaries.of_customer(operator(tenant), parse_uuid(customer_id))

    _print(_bank(command_settings(db_url=db), work))


@beneficiaries_app.command("remove")
def remove(
    beneficiary_id: Annotated[str, typer.Argument(help="The beneficiary.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Remove a beneficiary (kept for history; it can no longer be paid)."""

    async def work(bank: BankingServices) -> Any:
        return await bank.beneficiaries.remove(operator(tenant), parse_uuid(beneficiary_id))

    _print(_bank(command_settings(db_url=db), work))


@fx_app.command("rate")
def set_rate(
    base: Annotated[str, typer.Argument(help="ISO 4217 code.")],
    quote: Annotated[str, typer.Argument(help="ISO 4217 code.")],
    rate: Annotated[str, typer.Argument(help="Units of quote for one of base, exact decimal.")],
    source: Annotated[str, typer.Option(help="Where the rate comes from.")] = "manual",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Set a pair's rate from now on."""

    async def work(bank: BankingServices) -> Any:
        return await bank.fx.set_rate(operator(tenant), base, quote, rate, source)

    _print(_bank(command_settings(db_url=db), work))


@fx_app.command("rates")
def rates(tenant: TenantOption = "default", db: DbOption = None) -> None:
    """The rates in force."""

    async def work(bank: BankingServices) -> Any:
        return await bank.fx.rates(operator(tenant))

    _print(_bank(command_settings(db_url=db), work))


@fx_app.command("quote")
def quote(
    sell: Annotated[str, typer.Argument(help="The currency sold.")],
    buy: Annotated[str, typer.Argument(help="The currency bought.")],
    amount: Annotated[int, typer.Argument(min=1, help="Minor units of the currency sold.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Quote a conversion (valid for fx_quote_ttl seconds)."""

    async def work(bank: BankingServices) -> Any:
        return await bank.fx.quote(operator(tenant), sell, buy, amount)

    _print(_bank(command_settings(db_url=db), work))


@fx_app.command("convert")
def convert(
    quote_id: Annotated[str, typer.Argument(help="The quote.")],
    debit_account: Annotated[str, typer.Argument(help="The account in the currency sold.")],
    credit_account: Annotated[str, typer.Argument(help="The account in the currency bought.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit the conversion at a quote."""

    async def work(bank: BankingServices) -> str:
        intent, _ = await bank.fx.convert(
            operator(tenant),
            parse_uuid(quote_id),
            parse_uuid(debit_account),
            parse_uuid(credit_account),
        )
        return str(intent.id)

    console.print(f"converting: intent {_bank(command_settings(db_url=db), work)}", soft_wrap=True)


def settle(
    currency: Annotated[str, typer.Argument(help="The currency whose clearing is settled.")],
    date: Annotated[str, typer.Option(help="The business day, YYYY-MM-DD.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Settle a currency's clearing account for a day (once per day)."""
    day = parse_day(date)

    async def work(bank: BankingServices) -> str:
        intent = await bank.settlement.end_of_day(operator(tenant), currency, day)
        return str(intent.id)

    console.print(f"settling: intent {_bank(command_settings(db_url=db), work)}", soft_wrap=True)


def reconcile(
    file: Annotated[Path, typer.Argument(help="The settlement file (CSV, see docs/banking.md).")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Reconcile a settlement file against the bank's payments (the same file again: the same
    run); `strongroom intents show ID` shows the report once it ran."""
    try:
        text = file.read_text()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {file}: {error.strerror}") from None

    async def work(bank: BankingServices) -> str:
        return str((await bank.reconciliation.run(operator(tenant), text)).intent.id)

    console.print(f"reconciling: intent {_bank(command_settings(db_url=db), work)}", soft_wrap=True)

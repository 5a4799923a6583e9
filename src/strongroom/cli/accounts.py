"""`strongroom accounts create | show | list`: an operator's tool on the database, through the
same service as the API, acting as an admin of `--tenant` (see `common.operator`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    fields_table,
    ledger_service,
    operator,
    parse_flags,
    parse_metadata,
    parse_uuid,
    report_created,
    run,
)
from strongroom.ids import new_id, parse_id
from strongroom.ledger import PAGE_MAX, Account, AccountFilter, AccountFlags, Page
from strongroom.services.ledger import AccountSpec

app = typer.Typer(help="Create, show and list accounts.", no_args_is_help=True)


@app.command("create")
def create_account(
    code: Annotated[int, typer.Option(help="Account type (user-defined, 1-65535).")],
    ledger: Annotated[str, typer.Option(help="ISO 4217 currency code.")] = "USD",
    flag: Annotated[
        list[str] | None,
        typer.Option(
            help="debits_must_not_exceed_credits, credits_must_not_exceed_debits, history."
        ),
    ] = None,
    overdraft_limit: Annotated[int, typer.Option(min=0, help="Minor units.")] = 0,
    metadata: Annotated[str | None, typer.Option(help="A JSON object.")] = None,
    id: Annotated[str | None, typer.Option(help="Account id (default: a new UUIDv7).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Create one account and print its id and the ledger's result code."""
    settings = command_settings(db_url=db)

    async def create() -> tuple[AccountSpec, str]:
        # Inside run(): a bad option is reported as one line, as the ledger names it.
        spec = AccountSpec(
            id=parse_id(id, "accounts[0].id") if id else new_id(),
            ledger=ledger,
            code=code,
            flags=parse_flags(flag or [], AccountFlags),
            overdraft_limit=overdraft_limit,
            metadata=parse_metadata(metadata),
        )
        async with ledger_service(settings) as service:
            (result,) = await service.create_accounts(operator(tenant), [spec])
            return spec, result.value

    spec, result = run(create())
    report_created(spec.id, result)


@app.command("show")
def show_account(
    account_id: Annotated[str, typer.Argument(help="The account id.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show an account of the tenant with its four counters."""
    settings = command_settings(db_url=db)

    async def show() -> Account:
        async with ledger_service(settings) as service:
            return await service.get_account(operator(tenant), parse_uuid(account_id))

    console.print(fields_table(run(show())))


@app.command("list")
def list_accounts(
    tenant: TenantOption = "default",
    limit: Annotated[int, typer.Option(min=1, max=PAGE_MAX)] = 100,
    cursor: Annotated[str | None, typer.Option(help="next cursor of the previous page")] = None,
    db: DbOption = None,
) -> None:
    """List the tenant's accounts, one page at a time."""
    settings = command_settings(db_url=db)

    async def page() -> Page[Account]:
        query = AccountFilter(limit=limit, cursor=cursor)
        async with ledger_service(settings) as service:
            return await service.list_accounts(operator(tenant), query)

    result = run(page())
    table = Table("ledger", "code", "status", "debits_posted", "credits_posted")
    # Ids are what people copy from this listing: never wrapped or cut.
    table.add_column("id", no_wrap=True, min_width=36)
    for a in result.items:
        table.add_row(
            a.ledger,
            str(a.code),
            a.status.value,
            f"{a.debits_posted:,}",
            f"{a.credits_posted:,}",
            str(a.id),
        )
    console.print(table)
    if result.next_cursor:
        console.print(f"next cursor: {result.next_cursor}", highlight=False)

"""`strongroom transfers create | show`: an operator's tool on the database, through the same
service as the API, acting as an admin of `--tenant` (see `common.operator`)."""

from __future__ import annotations

from typing import Annotated

import typer

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
from strongroom.ids import NIL, new_id, parse_id
from strongroom.ledger import Transfer, TransferFlags
from strongroom.services.ledger import TransferSpec

app = typer.Typer(help="Create and show transfers.", no_args_is_help=True)


@app.command("create")
def create_transfer(
    amount: Annotated[int, typer.Option(min=0, help="Minor units (0 with post_pending: all).")],
    debit: Annotated[str | None, typer.Option(help="Debit account id.")] = None,
    credit: Annotated[str | None, typer.Option(help="Credit account id.")] = None,
    ledger: Annotated[str, typer.Option(help="ISO 4217 code (empty for post/void).")] = "USD",
    code: Annotated[int, typer.Option(help="Transfer type (user-defined).")] = 1,
    flag: Annotated[
        list[str] | None,
        typer.Option(help="linked, pending, post_pending, void_pending, balancing_debit, ..."),
    ] = None,
    pending_id: Annotated[
        str | None, typer.Option(help="The pending transfer to post/void.")
    ] = None,
    timeout: Annotated[int, typer.Option(min=0, help="Seconds (pending only).")] = 0,
    metadata: Annotated[str | None, typer.Option(help="A JSON object.")] = None,
    id: Annotated[str | None, typer.Option(help="Transfer id (default: a new UUIDv7).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Create one transfer and print its id and the ledger's result code."""
    settings = command_settings(db_url=db)

    async def create() -> tuple[TransferSpec, str]:
        # Inside run(): a bad option is reported as one line, as the ledger names it.
        flags = parse_flags(flag or [], TransferFlags)
        resolving = flags & (TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
        spec = TransferSpec(
            id=parse_id(id, "transfers[0].id") if id else new_id(),
            debit_account_id=parse_id(debit, "transfers[0].debit_account_id") if debit else NIL,
            credit_account_id=(
                parse_id(credit, "transfers[0].credit_account_id") if credit else NIL
            ),
            amount=amount,
            # Post and void take these from the pending transfer unless told otherwise.
            ledger="" if resolving and ledger == "USD" else ledger,
            code=0 if resolving and code == 1 else code,
            flags=flags,
            pending_id=(
                parse_id(pending_id, "transfers[0].pending_id") if pending_id is not None else None
            ),
            timeout=timeout,
            metadata=parse_metadata(metadata),
        )
        async with ledger_service(settings) as service:
            (result,) = await service.create_transfers(operator(tenant), [spec])
            return spec, result.value

    spec, result = run(create())
    report_created(spec.id, result)


@app.command("show")
def show_transfer(
    transfer_id: Annotated[str, typer.Argument(help="The transfer id.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show a transfer of the tenant."""
    settings = command_settings(db_url=db)

    async def show() -> Transfer:
        async with ledger_service(settings) as service:
            return await service.get_transfer(operator(tenant), parse_uuid(transfer_id))

    console.print(fields_table(run(show())))

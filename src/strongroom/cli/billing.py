"""`strongroom billing ...`: definitions, usage, cycle runs, invoices and credit notes, through
the same services as the API, acting as an admin of `--tenant` (see `common.operator`). A cycle
run is an intent: `serve` or `worker intents` carries it out."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer

from strongroom.billing.ports import Definition, InvoiceRecord
from strongroom.billing.service import DEFAULT_PAGE, MAX_PAGE
from strongroom.billing.services import BillingServices
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
    read_json,
)
from strongroom.money import format_amount

T = TypeVar("T")

app = typer.Typer(
    help="Billing: rule groups, tiers, costs, configurations, usage, cycles, invoices.",
    no_args_is_help=True,
)
KindArgument = Annotated[
    str, typer.Argument(help="rule_group, tier, cost or config (docs/billing.md).")
]


def _billing(db: str | None, work: Callable[[BillingServices], Awaitable[T]]) -> T:
    return on_platform(command_settings(db_url=db), Platform.billing, work)


def _print(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def _definition(d: Definition) -> dict[str, Any]:
    return {
        "kind": d.kind.value,
        "id": d.id,
        "version": d.version,
        "archived": d.archived_at is not None,
        "body": d.body,
    }


@app.command("put")
def put(
    kind: KindArgument,
    id: Annotated[str, typer.Argument(help="The definition's id (a config's: its subject).")],
    body: Annotated[str, typer.Option(help="The definition as JSON, or @FILE.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Put the next version of a definition (the same content again changes nothing)."""

    async def work(billing: BillingServices) -> tuple[Definition, bool]:
        return await billing.catalog.put(operator(tenant), kind, id, read_json(body, "body"))

    made, created = _billing(db, work)
    console.print(
        f"{made.kind.value} {made.id} version {made.version}{'' if created else ' (unchanged)'}",
        highlight=False,
    )


@app.command("show")
def show(
    kind: KindArgument,
    id: Annotated[str, typer.Argument(help="The definition's id.")],
    version: Annotated[int | None, typer.Option(min=1, help="A version (default: latest).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """A definition as JSON."""

    async def work(billing: BillingServices) -> Definition:
        return await billing.catalog.show(operator(tenant), kind, id, version)

    _print(_definition(_billing(db, work)))


@app.command("list")
def listing(kind: KindArgument, tenant: TenantOption = "default", db: DbOption = None) -> None:
    """The definitions of a kind (their latest versions)."""

    async def work(billing: BillingServices) -> list[Definition]:
        return await billing.catalog.definitions(operator(tenant), kind)

    for d in _billing(db, work):
        state = " (archived)" if d.archived_at is not None else ""
        console.print(f"{d.id} version {d.version}{state}", highlight=False)


@app.command("archive")
def archive(
    kind: KindArgument,
    id: Annotated[str, typer.Argument(help="The definition's id.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Archive a definition: nothing new may refer to it."""

    async def work(billing: BillingServices) -> Definition:
        return await billing.catalog.archive(operator(tenant), kind, id)

    made = _billing(db, work)
    console.print(f"{made.kind.value} {made.id} archived", highlight=False)


@app.command("usage")
def usage(
    events: Annotated[str, typer.Option(help="A JSON list of usage events, or @FILE.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Ingest usage events (each id once)."""

    async def work(billing: BillingServices) -> tuple[int, int]:
        done = await billing.usage.ingest(operator(tenant), read_json(events, "events"))
        return done.stored, done.duplicates

    stored, duplicates = _billing(db, work)
    console.print(f"{stored} stored, {duplicates} already stored", highlight=False)


@app.command("run")
def run(
    date: Annotated[str, typer.Option(help="Invoice the periods ended by this day, YYYY-MM-DD.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit a billing cycle run (invoices, then postings)."""
    day = parse_day(date)

    async def work(billing: BillingServices) -> str:
        return str((await billing.billing.run(operator(tenant), day)).intent.id)

    console.print(f"billing: intent {_billing(db, work)}", soft_wrap=True)


@app.command("invoices")
def invoices(
    subject: Annotated[str | None, typer.Option(help="One subject's.")] = None,
    status: Annotated[str | None, typer.Option(help="issued, posted or credited.")] = None,
    limit: Annotated[int, typer.Option(help=f"Invoices at most (1 to {MAX_PAGE}).")] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None, typer.Option(help="The next page's cursor a listing printed.")
    ] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The tenant's invoices, oldest period first, a page at a time."""

    async def work(billing: BillingServices) -> tuple[list[InvoiceRecord], str | None]:
        return await billing.billing.invoices(
            operator(tenant), subject, status, cursor=cursor, limit=limit
        )

    found, more = _billing(db, work)
    for i in found:
        total = f"{format_amount(i.total, i.currency)} {i.currency}"
        console.print(
            f"{i.id} {i.subject} {i.period_start} to {i.period_end} {i.status.value} {total}",
            highlight=False,
            soft_wrap=True,
        )
    if more is not None:
        console.print(f"next page: --cursor {more}", highlight=False, soft_wrap=True)


@app.command("invoice")
def invoice(
    invoice_id: Annotated[str, typer.Argument(help="The invoice.")],
    format: Annotated[str, typer.Option(help="json, html or pdf.")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write html or pdf to this file.")] = None,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """An invoice as JSON, or rendered as HTML or PDF."""
    if format not in ("json", "html", "pdf"):
        raise typer.BadParameter("--format must be json, html or pdf")
    if format == "pdf" and output is None:
        raise typer.BadParameter("--output is needed for a PDF")
    found = parse_uuid(invoice_id)

    async def work(billing: BillingServices) -> bytes:
        if format == "json":
            record = await billing.billing.invoice(operator(tenant), found)
            return msgspec.json.encode(record.body)
        return await billing.billing.render(operator(tenant), found, format)

    rendered = _billing(db, work)
    if output is not None:
        output.write_bytes(rendered)
        console.print(f"wrote {output}", highlight=False)
    elif format == "json":
        _print(json.loads(rendered))
    else:
        console.print(rendered.decode(), highlight=False, markup=False)


@app.command("credit")
def credit(
    invoice_id: Annotated[str, typer.Argument(help="The invoice.")],
    reason: Annotated[str, typer.Option(help="Why it is reversed.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Reverse a posted invoice in full with a credit note (once)."""
    found = parse_uuid(invoice_id)

    async def work(billing: BillingServices) -> str:
        note = await billing.billing.credit(operator(tenant), found, reason)
        return f"credit note {note.id}: {note.amount}"

    console.print(_billing(db, work), highlight=False)


@app.command("preview")
def preview(
    subject: Annotated[str, typer.Argument(help="The subject.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """What the subject's invoice for its open period would be now."""

    async def work(billing: BillingServices) -> dict[str, Any]:
        return (await billing.billing.preview(operator(tenant), subject)).body

    _print(_billing(db, work))


@app.command("balance")
def balance(
    subject: Annotated[str, typer.Argument(help="The subject.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The subject's prepaid credit."""

    async def work(billing: BillingServices) -> str:
        found = await billing.billing.balance(operator(tenant), subject)
        return f"{found.subject}: {format_amount(found.credit, found.currency)} {found.currency}"

    console.print(_billing(db, work), highlight=False)

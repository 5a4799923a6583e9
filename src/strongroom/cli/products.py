"""`strongroom products ...`: validate, simulate (with what-if comparison) and benchmark products;
publish versions to the database, list them, and pin (or move) an account to a version.

Owns the command-line rendering of strongroom.products only: parse arguments, call the product
factory (the stored catalogue comes from a strongroom.bootstrap.Platform), print with rich.
No product rule lives here; never imports strongroom.store. Registered by the main CLI with
`app.add_typer(products.app, name="products")`.
"""

from __future__ import annotations

import getpass
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from strongroom.bench.products import run_bench
from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, run
from strongroom.errors import NotFound, ValidationError
from strongroom.ids import parse_id
from strongroom.money import to_decimal
from strongroom.products.definitions import ProductDefinition, load_product
from strongroom.products.errors import ProductDefinitionError
from strongroom.products.simulate import SimulationReport, compare, load_activity, simulate
from strongroom.products.stored import StoredProductCatalog
from strongroom.tracing import Actor, bound

app = typer.Typer(
    name="products",
    help="Product factory: validate, simulate, benchmark, publish and assign product versions.",
    no_args_is_help=True,
)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(console: Console, error: ProductDefinitionError) -> None:
    for issue in error.issues:
        console.print(f"[red]error[/red] {issue}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Product definitions (YAML or JSON).")],
) -> None:
    """Check product definitions; print every error as FILE:LINE: PATH: REASON."""
    console = _console()
    failed = 0
    for file in files:
        try:
            p = load_product(file)
        except ProductDefinitionError as exc:
            _fail(console, exc)
            failed += 1
            continue
        console.print(
            f"[green]ok[/green] {file}: {p.product} v{p.version} {p.currency}, "
            f"{p.rule_count} rules, sha256 {p.digest[:12]}"
        )
    if failed:
        raise typer.Exit(1)


def _load(console: Console, file: Path) -> ProductDefinition:
    try:
        return load_product(file)
    except ProductDefinitionError as exc:
        _fail(console, exc)
        raise typer.Exit(1) from None


def _money(amount: int, currency: str) -> str:
    return f"{to_decimal(amount, currency):,}"


def _column(table: Table, name: str) -> None:
    if name == "account":
        table.add_column(name, overflow="ellipsis", min_width=5)
    else:
        table.add_column(name, justify="right", no_wrap=True)


def _report_table(report: SimulationReport) -> Table:
    cur = report.currency
    table = Table(
        title=f"{report.product} v{report.version}: {report.start} to {report.end} ({cur})"
    )
    for column in ("account", "moves", "refused", "fees", "taxes", "interest", "od int."):
        _column(table, column)
    _column(table, "net cost")
    for r in report.accounts.values():
        table.add_row(
            r.account,
            str(r.movements),
            str(r.refused),
            _money(r.fees, cur),
            _money(r.taxes, cur),
            _money(r.interest_credit, cur),
            _money(r.interest_overdraft, cur),
            _money(r.net_cost, cur),
        )
    table.add_row(
        "total",
        str(report.total("movements")),
        str(report.total("refused")),
        *(
            _money(report.total(name), cur)
            for name in ("fees", "taxes", "interest_credit", "interest_overdraft")
        ),
        _money(sum(r.net_cost for r in report.accounts.values()), cur),
        style="bold",
    )
    return table


@app.command("simulate")
def simulate_command(
    product: Annotated[Path, typer.Option("--product", help="Product definition to price with.")],
    activity: Annotated[Path, typer.Option("--activity", help="Activity file to replay.")],
    start: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (included).")
    ],
    end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (included).")
    ],
    other: Annotated[
        Path | None,
        typer.Option("--compare", help="Another version: show the difference per account."),
    ] = None,
) -> None:
    """Replay account activity under a product version; report fees, taxes and interest."""
    console = _console()
    base = _load(console, product)
    try:
        stream = load_activity(activity)
    except ProductDefinitionError as exc:
        _fail(console, exc)
        raise typer.Exit(1) from None
    if stream.currency != base.currency:
        console.print(f"[red]error[/red] activity in {stream.currency}, product in {base.currency}")
        raise typer.Exit(1)
    if end < start:
        console.print(f"[red]error[/red] --to {end.date()} is before --from {start.date()}")
        raise typer.Exit(1)
    first = simulate(base, stream.activities, start.date(), end.date())
    console.print(_report_table(first))
    if other is None:
        return
    alternative = _load(console, other)
    if alternative.currency != base.currency:
        console.print("[red]error[/red] --compare needs a product in the same currency")
        raise typer.Exit(1)
    second = simulate(alternative, stream.activities, start.date(), end.date())
    console.print(_report_table(second))
    cur = base.currency
    diff = Table(
        title=f"what-if: {alternative.product} v{alternative.version} minus "
        f"{base.product} v{base.version} ({cur}; negative net cost: cheaper for the customer)"
    )
    for column in ("account", "fees", "taxes", "interest", "od int.", "net cost"):
        _column(diff, column)
    for d in compare(first, second):
        diff.add_row(
            d.account,
            *(
                f"{to_decimal(v, cur):+,}"
                for v in (d.fees, d.taxes, d.interest_credit, d.interest_overdraft, d.net_cost)
            ),
        )
    console.print(diff)


@app.command()
def bench(
    iterations: Annotated[int, typer.Option(min=1000, help="Timed quote() calls.")] = 20_000,
) -> None:
    """Time quote() for a 20-rule product, call by call; print p50, p99 and p99.9."""
    console = _console()
    result = run_bench(iterations)
    table = Table(title=f"quote(): {result.rules}-rule product, {result.iterations} calls")
    for column in ("p50", "p99", "p99.9", "max", "mean"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            f"{value:.1f} µs"
            for value in (
                result.p50_us,
                result.p99_us,
                result.p999_us,
                result.max_us,
                result.mean_us,
            )
        )
    )
    console.print(table)
    verdict = "[green]within[/green]" if result.p99_us < 1000 else "[red]over[/red]"
    console.print(
        f"rules={result.rules} iterations={result.iterations} "
        f"p50={result.p50_us:.1f}us p99={result.p99_us:.1f}us p99.9={result.p999_us:.1f}us "
        f"({verdict} the 1 ms p99 budget)"
    )


ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        envvar="STRONGROOM_ACTOR",
        help="Who is acting, for the audit trail (default: cli:<login name>).",
    ),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant of the account.")]


def _actor(actor: str | None, tenant: str = "default") -> Actor:
    return Actor(tenant, actor or f"cli:{getpass.getuser()}")


@app.command("publish")
def publish_command(
    file: Annotated[Path, typer.Argument(help="Product definition (YAML or JSON).")],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Store a product version (immutable); the same content again is a no-op."""
    console = _console()
    definition = _load(console, file)
    settings = command_settings(db_url=db)

    async def publish() -> None:
        async with Platform(settings) as platform:
            catalog = await platform.products()
            with bound(actor=_actor(actor)):
                stored = await catalog.publish(definition)
        console.print(f"published {stored.product} v{stored.version} sha256:{stored.digest}")

    run(publish())


@app.command("versions")
def versions_command(
    product: Annotated[str | None, typer.Argument(help="Only this product.")] = None,
    db: DbOption = None,
) -> None:
    """List the published product versions with their content hashes."""
    console = _console()
    settings = command_settings(db_url=db)

    async def listing() -> None:
        async with Platform(settings) as platform:
            published = await (await platform.products()).published(product)
        if not published:
            console.print("no product versions published")
            return
        table = Table(title="product versions")
        for column in ("product", "version", "sha256", "published at"):
            table.add_column(column, no_wrap=True)
        for p in published:
            table.add_row(p.product, str(p.version), p.digest, p.published_at.isoformat())
        console.print(table)

    run(listing())


@app.command("assign")
def assign_command(
    account_id: Annotated[str, typer.Argument(help="Ledger account id (UUID).")],
    product: Annotated[str, typer.Argument(help="Product code.")],
    version: Annotated[int, typer.Argument(help="Product version.", min=1)],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit trail.")],
    db: DbOption = None,
    actor: ActorOption = None,
    tenant: TenantOption = "default",
) -> None:
    """Pin an account to a product version, or move a pinned account to another version."""
    console = _console()
    account = parse_id(account_id, "account_id")
    settings = command_settings(db_url=db)

    async def assign() -> None:
        async with Platform(settings) as platform:
            catalog = await platform.products()
            with bound(actor=_actor(actor, tenant)) as trace_id:
                moved = await _assign_or_migrate(catalog, account, product, version, reason)
        verb = "moved" if moved else "pinned"
        console.print(f"{verb} {account} to {product} v{version} (trace {trace_id})")

    run(assign())


async def _assign_or_migrate(
    catalog: StoredProductCatalog, account: uuid.UUID, product: str, version: int, reason: str
) -> bool:
    """Pin a new account, or migrate a pinned one; True when the account moved."""
    try:
        current = await catalog.assignment(account)
    except NotFound:
        await catalog.assign(account, product, version, reason=reason)
        return False
    if current.product != product:
        raise ValidationError(
            "product",
            f"account {account} is on {current.product!r}; only its version can change",
        )
    await catalog.migrate(account, version, reason=reason)
    return True


if __name__ == "__main__":  # `python -m strongroom.cli.products` before the main CLI wires it
    app()

"""`strongroom migrate` and `strongroom demo`."""

from __future__ import annotations

import time
import uuid
from random import Random
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from strongroom.cli.common import DbOption, console, run
from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from strongroom.money import format_amount
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DEFAULT_URL, parse_url

CURRENCY = "USD"
CUSTOMER, OPERATING, FEES = 100, 200, 300
PAYMENT, FUNDING, FEE = 1, 2, 3


def migrate(db: DbOption = DEFAULT_URL) -> None:
    """Create or upgrade the database schema."""
    run(upgrade(parse_url(db)))
    console.print(f"schema up to date at {db}")


def demo(
    db: DbOption = DEFAULT_URL,
    customers: Annotated[int, typer.Option(min=2, help="Customer accounts to open.")] = 300,
    payments: Annotated[
        int, typer.Option(min=1, help="Payments to push (each is a payment and its fee).")
    ] = 15_000,
    seed: Annotated[int, typer.Option(help="Random seed for the payment stream.")] = 7,
) -> None:
    """Run a small bank: open accounts, push payments with fees, print balances and checks."""
    run(_demo(db, customers, payments, seed))


async def _demo(db: str, customers: int, payments: int, seed: int) -> None:
    rng = Random(seed)
    async with await Ledger.open(db) as ledger:
        operating = Account(id=new_id(), ledger=CURRENCY, code=OPERATING)
        fees = Account(id=new_id(), ledger=CURRENCY, code=FEES)
        accounts = [
            Account(
                id=new_id(),
                ledger=CURRENCY,
                code=CUSTOMER,
                flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                metadata={"customer": n},
            )
            for n in range(customers)
        ]
        await ledger.create_accounts([operating, fees, *accounts])
        customer_ids = [a.id for a in accounts]
        funding = [
            Transfer(
                id=new_id(),
                debit_account_id=operating.id,
                credit_account_id=c,
                amount=100_000,
                ledger=CURRENCY,
                code=FUNDING,
            )
            for c in customer_ids
        ]
        await ledger.create_transfers(funding)
        outcomes: dict[str, int] = {}
        started = time.perf_counter()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("payments", total=payments)
            done = 0
            while done < payments:
                chunk = min(250, payments - done)
                batch = _payments(rng, customer_ids, fees.id, chunk)
                for result in await ledger.create_transfers(batch):
                    outcomes[result.value] = outcomes.get(result.value, 0) + 1
                done += chunk
                progress.advance(task, chunk)
        elapsed = time.perf_counter() - started
        report = await ledger.check_invariants()
        main = await ledger.lookup_accounts([operating.id, fees.id])

    table = Table(title=f"Strongroom demo on {db}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    transfers = sum(outcomes.values())
    table.add_row("payments (payment + linked fee)", f"{payments:,}")
    table.add_row("transfers submitted", f"{transfers:,}")
    table.add_row("throughput", f"{transfers / elapsed:,.0f} transfers/s")
    for code, count in sorted(outcomes.items()):
        table.add_row(f"  result {code}", f"{count:,}")
    for label, a in zip(("operating account", "fee income"), main, strict=True):
        table.add_row(label, format_amount(a.credits_posted - a.debits_posted, CURRENCY))
    for ledger_code, (dp, dpo, cp, cpo) in report.ledgers.items():
        table.add_row(f"{ledger_code} debits = credits", f"{dpo:,} = {cpo:,} (pending {dp}={cp})")
    table.add_row("accounts checked against the log", f"{report.accounts:,}")
    table.add_row("invariants", "[green]hold[/green]" if report.ok else "[red]VIOLATED[/red]")
    console.print(table)
    for violation in report.violations:
        console.print(
            f"[red]invariant {violation.invariant}[/red] {violation.subject}: {violation.detail}"
        )
    if not report.ok:
        raise typer.Exit(1)


def _payments(rng: Random, customers: list[uuid.UUID], fees: uuid.UUID, n: int) -> list[Transfer]:
    """`n` customer-to-customer payments, each linked with its 1% fee (at least one cent)."""
    batch: list[Transfer] = []
    for _ in range(n):
        payer, payee = rng.sample(customers, 2)
        amount = rng.randint(100, 20_000)
        batch.append(
            Transfer(
                id=new_id(),
                debit_account_id=payer,
                credit_account_id=payee,
                amount=amount,
                ledger=CURRENCY,
                code=PAYMENT,
                flags=TransferFlags.LINKED,
            )
        )
        batch.append(
            Transfer(
                id=new_id(),
                debit_account_id=payer,
                credit_account_id=fees,
                amount=max(1, amount // 100),
                ledger=CURRENCY,
                code=FEE,
            )
        )
    return batch

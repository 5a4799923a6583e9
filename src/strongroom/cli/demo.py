"""`strongroom demo`: a small bank driven through the HTTP API of a server running the whole
platform (the relay and the audit consumer record every event in the audit log): a day at the
bank (customers, accounts, deposits, payments, a refund, a review, a card; demo_day.py), then a
stream of ledger payments for throughput, then the invariants and the audit chain."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from random import Random
from typing import Annotated

import httpx
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from strongroom.api.server import serving
from strongroom.bench.sample_bank import set_up_products
from strongroom.bootstrap import Platform
from strongroom.bootstrap.components import configured_components, start_components
from strongroom.cli.common import DbOption, command_settings, console, run
from strongroom.cli.demo_day import Day, bank_day
from strongroom.events.audit import ChainReport, verify_chain
from strongroom.ids import new_id
from strongroom.ledger import InvariantReport
from strongroom.money import format_amount
from strongroom.services.access import Role
from strongroom.settings import Settings

CURRENCY = "USD"
CUSTOMER, OPERATING, FEES = 100, 200, 300
PAYMENT, FUNDING, FEE = 1, 2, 3
DEMO_TENANT = "demo"
#: Payments per HTTP request: 250 payments are 500 transfers (each payment with its fee).
CHUNK = 250


def demo(
    db: DbOption = None,
    customers: Annotated[int, typer.Option(min=2, help="Customer accounts to open.")] = 300,
    payments: Annotated[
        int, typer.Option(min=1, help="Payments to push (each is a payment and its fee).")
    ] = 15_000,
    seed: Annotated[int, typer.Option(help="Random seed for the payment stream.")] = 7,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent HTTP clients.")] = 4,
) -> None:
    """Run a small bank through the HTTP API: start the server, open accounts, push payments
    with fees, print throughput, balances and the invariant check."""
    run(_demo(command_settings(db_url=db), customers, payments, seed, clients))


async def _demo(settings: Settings, customers: int, payments: int, seed: int, clients: int) -> None:
    rng = Random(seed)
    async with Platform(settings) as platform:
        services = await platform.services()
        access = services.access
        components = await start_components(platform, configured_components(platform))
        try:
            async with serving(
                services.ledger_service,
                access,
                intents=services.intents,
                compliance=services.compliance,
                cases=services.cases,
                banking=services.banking,
                billing=services.billing,
                port=0,
                grpc_port=None,
                components=components.health,
                collectors=[components.collector()],
            ) as servers:
                token = (await access.create(DEMO_TENANT, Role.ADMIN, "demo")).token
                maker = (await access.create(DEMO_TENANT, Role.WRITE, "maker")).token
                checker = (await access.create(DEMO_TENANT, Role.ADMIN, "checker")).token
                await set_up_products(await platform.products(), DEMO_TENANT, services.ledger)
                console.print(
                    f"API on {servers.http_url}, tenant {DEMO_TENANT!r}; running "
                    f"{', '.join(components.names)}",
                    highlight=False,
                    soft_wrap=True,
                )
                async with httpx.AsyncClient(
                    base_url=servers.http_url,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60.0,
                ) as client:
                    day = await bank_day(client, maker, checker)
                    _print_day(day)
                    run_ = await _run_bank(client, rng, customers, payments, clients)
        finally:
            # The relay publishes what is still waiting before it stops.
            await components.stop()
        report = await services.ledger.check_invariants()
        chain = await verify_chain(await platform.audit_log())
    _print_summary(settings.db_url, payments, run_, report, chain)
    if not report.ok or not chain.ok:
        raise typer.Exit(1)


@dataclass
class _BankRun:
    outcomes: dict[str, int]
    elapsed: float
    requests: int
    #: (label, balance in minor units) of the operating and fee income accounts.
    balances: list[tuple[str, int]]


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, object]) -> list[str]:
    response = await client.post(path, json=body)
    response.raise_for_status()
    return [r["result"] for r in response.json()["results"]]


async def _run_bank(
    client: httpx.AsyncClient, rng: Random, customers: int, payments: int, clients: int
) -> _BankRun:
    operating, fees = str(new_id()), str(new_id())
    customer_ids = [str(new_id()) for _ in range(customers)]
    accounts: list[dict[str, object]] = [
        {"id": operating, "ledger": CURRENCY, "code": OPERATING},
        {"id": fees, "ledger": CURRENCY, "code": FEES},
    ]
    accounts += [
        {
            "id": c,
            "ledger": CURRENCY,
            "code": CUSTOMER,
            "flags": ["debits_must_not_exceed_credits"],
            "metadata": {"customer": n},
        }
        for n, c in enumerate(customer_ids)
    ]
    await _post(client, "/v1/accounts", {"accounts": accounts})
    funding = [_transfer(operating, c, 100_000, FUNDING) for c in customer_ids]
    await _post(client, "/v1/transfers", {"transfers": funding})

    chunks = [min(CHUNK, payments - done) for done in range(0, payments, CHUNK)]
    bodies = [_payments(rng, customer_ids, fees, n) for n in chunks]
    outcomes: dict[str, int] = {}
    requests = 0
    started = time.perf_counter()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("payments", total=payments)
        queue = list(reversed(bodies))

        async def worker() -> None:
            nonlocal requests
            while queue:
                batch = queue.pop()
                for result in await _post(client, "/v1/transfers", {"transfers": batch}):
                    outcomes[result] = outcomes.get(result, 0) + 1
                requests += 1
                progress.advance(task, len(batch) // 2)

        await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    balances = []
    for label, account_id in (("operating account", operating), ("fee income", fees)):
        shown = (await client.get(f"/v1/accounts/{account_id}")).json()
        balances.append((label, shown["credits_posted"] - shown["debits_posted"]))
    return _BankRun(outcomes, elapsed, requests, balances)


def _print_day(day: Day) -> None:
    table = Table(title="A day at the bank, over HTTP")
    table.add_column("what")
    table.add_column("how it ended")
    for what, outcome in day.lines:
        table.add_row(what, outcome)
    console.print(table)


def _print_summary(
    db: str, payments: int, bank: _BankRun, report: InvariantReport, chain: ChainReport
) -> None:
    table = Table(title=f"Strongroom demo over HTTP on {db}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    transfers = sum(bank.outcomes.values())
    table.add_row("payments (payment + linked fee)", f"{payments:,}")
    table.add_row("transfers submitted", f"{transfers:,} in {bank.requests:,} HTTP requests")
    table.add_row("throughput", f"{transfers / bank.elapsed:,.0f} transfers/s")
    for code, count in sorted(bank.outcomes.items()):
        table.add_row(f"  result {code}", f"{count:,}")
    for label, balance in bank.balances:
        table.add_row(label, format_amount(balance, CURRENCY))
    for ledger_code, (dp, dpo, cp, cpo) in report.ledgers.items():
        table.add_row(f"{ledger_code} debits = credits", f"{dpo:,} = {cpo:,} (pending {dp}={cp})")
    table.add_row("accounts checked against the log", f"{report.accounts:,}")
    table.add_row("invariants", "[green]hold[/green]" if report.ok else "[red]VIOLATED[/red]")
    verified = "[green]verified[/green]" if chain.ok else f"[red]broken at {chain.broken_seq}[/red]"
    table.add_row("audit log (hash chain)", f"{chain.checked:,} entries, {verified}")
    console.print(table)
    for violation in report.violations:
        console.print(
            f"[red]invariant {violation.invariant}[/red] {violation.subject}: {violation.detail}"
        )


def _transfer(
    debit: str, credit: str, amount: int, code: int, flags: list[str] | None = None
) -> dict[str, object]:
    return {
        "id": str(new_id()),
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount": amount,
        "ledger": CURRENCY,
        "code": code,
        "flags": flags or [],
    }


def _payments(rng: Random, customers: list[str], fees: str, n: int) -> list[dict[str, object]]:
    """`n` customer-to-customer payments, each linked with its 1% fee (at least one cent)."""
    batch: list[dict[str, object]] = []
    for _ in range(n):
        payer, payee = rng.sample(customers, 2)
        amount = rng.randint(100, 20_000)
        batch.append(_transfer(payer, payee, amount, PAYMENT, ["linked"]))
        batch.append(_transfer(payer, fees, max(1, amount // 100), FEE))
    return batch

"""`strongroom bench` (the ledger benchmark), `strongroom bench intents` (the intent engine's),
`strongroom bench compliance` (the rule engine's) and `strongroom bench-http` (the HTTP API's):
see docs/performance.md."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from strongroom.api.server import serving
from strongroom.bench.billing import BillingBenchConfig, run_billing_bench
from strongroom.bench.compliance import ComplianceBenchConfig, run_compliance_bench
from strongroom.bench.intents import IntentBenchConfig, run_intent_bench
from strongroom.bench.ledger import BenchConfig, run_bench
from strongroom.bench.payments import PaymentBenchConfig, run_payment_bench
from strongroom.bench.statements import StatementBenchConfig, run_statement_bench
from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, console, run, run_on_uvloop
from strongroom.services.access import Role

PostgresOption = Annotated[
    str | None,
    typer.Option(
        help="A PostgreSQL URL: the run uses a throwaway schema in it (default: a temporary"
        " SQLite file)."
    ),
]

app = typer.Typer(
    help="Benchmarks: the ledger (this command alone), `bench intents` (the intent engine),"
    " `bench compliance` (pre-transaction decisions)."
)


@app.callback(invoke_without_command=True)
def bench(
    context: typer.Context,
    db: DbOption = None,
    accounts: Annotated[int, typer.Option(min=2, help="Ordinary accounts.")] = 10_000,
    transfers: Annotated[int, typer.Option(min=1, help="Transfers to submit in all.")] = 200_000,
    hot_fraction: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of transfers touching the hot account.")
    ] = 0.5,
    submitters: Annotated[int, typer.Option(min=1, help="Concurrent callers per process.")] = 32,
    call_size: Annotated[
        int, typer.Option(min=1, help="Transfers per create_transfers call.")
    ] = 100,
    processes: Annotated[
        int, typer.Option(min=1, help="OS processes, each with its submitters.")
    ] = 1,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Batches in flight per process (default 2: on SQLite one runs its rules while"
            " the other writes)."
        ),
    ] = None,
    warmup: Annotated[
        int,
        typer.Option(min=0, help="Transfers per process sent before the measured run."),
    ] = 20_000,
    rate: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Open loop: offer this many transfers/s in all, on a fixed schedule, and count"
            " latency from when each call was due (--submitters is then unused).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    http: Annotated[
        bool,
        typer.Option("--http", help="Benchmark the HTTP API instead (options: bench-http)."),
    ] = False,
) -> None:
    """Measure transfers/s, latency per transfer, batch sizes and peak RSS; check invariants."""
    if context.invoked_subcommand is not None:
        return
    if http:
        bench_http()
        return
    url = command_settings(db_url=db).db_url
    config = BenchConfig(
        url=url,
        accounts=accounts,
        transfers=transfers,
        hot_fraction=hot_fraction,
        submitters=submitters,
        call_size=call_size,
        processes=processes,
        workers=workers,
        rate=rate,
        warmup=warmup,
    )
    result = run(run_bench(config))
    if as_json:
        print(result.to_json())
    else:
        table = Table(title=f"strongroom bench on {url.split('?')[0]}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("transfers", f"{result.transfers:,} ({result.failed:,} refused)")
        if result.offered_per_second is not None:
            table.add_row("offered (open loop)", f"{result.offered_per_second:,.0f} transfers/s")
        table.add_row("throughput", f"{result.transfers_per_second:,.0f} transfers/s")
        for name, value in result.latency_ms.items():
            table.add_row(f"latency {name}", f"{value:.1f} ms")
        table.add_row(
            "batches",
            f"{result.batches:,} (mean {result.mean_batch:,.0f}, max {result.max_batch:,})",
        )
        table.add_row("engine retries", f"{result.retries:,}")
        if result.chained:
            table.add_row("chained batches", f"{result.chained:,}")
        table.add_row(
            "bucket resizes / escalations", f"{result.resizes:,} / {result.escalations:,}"
        )
        table.add_row("peak RSS", " -> ".join(f"{mb:.0f} MB" for mb in result.peak_rss_mb))
        table.add_row("invariants", "hold" if result.invariants_ok else "VIOLATED")
        console.print(table)
    if not result.invariants_ok:
        raise typer.Exit(1)


def bench_http(
    url: Annotated[
        str | None, typer.Option(help="A running server (default: start one on a temp database).")
    ] = None,
    key: Annotated[str | None, typer.Option(help="A write key for --url.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="Database for the server this command starts (default: a temporary SQLite"
            " database, whatever STRONGROOM_DB_URL or strongroom.toml say)."
        ),
    ] = None,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent single-transfer clients.")] = 64,
    batch_clients: Annotated[int, typer.Option(min=1, help="Concurrent batch clients.")] = 4,
    batch: Annotated[
        int, typer.Option(min=1, max=8190, help="Transfers per batch request.")
    ] = 1000,
    seconds: Annotated[float, typer.Option(min=1, help="Measured seconds per phase.")] = 10.0,
) -> None:
    """Drive the HTTP API from a separate load-generator process: single-transfer requests at
    `--clients` concurrency, then batch requests. Prints req/s, latency percentiles, and
    transfers/s."""
    if url is not None and key is None:
        raise typer.BadParameter("--url needs --key (a write key of that server)")
    run_on_uvloop(_bench(url, key, db, clients, batch_clients, batch, seconds))


async def _bench(
    url: str | None,
    key: str | None,
    db: str | None,
    clients: int,
    batch_clients: int,
    batch: int,
    seconds: float,
) -> None:
    phases = [("single", clients, 1), ("batch", batch_clients, batch)]
    if url is not None and key is not None:
        outcomes = [await _loadgen(url, key, *phase, seconds) for phase in phases]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            # Without rate limits: the benchmark measures the server, not the limit it sets.
            settings = command_settings(
                db_url=db or f"sqlite:///{Path(tmp) / 'bench.db'}",
                rate_limit_per_key=0,
                rate_limit_per_tenant=0,
            )
            async with Platform(settings) as platform:
                services = await platform.services()
                async with serving(
                    services.ledger_service,
                    services.access,
                    intents=services.intents,
                    compliance=services.compliance,
                    port=0,
                    grpc_port=None,
                ) as servers:
                    token = (await services.access.create("bench", Role.WRITE, "bench-http")).token
                    console.print(
                        f"server {servers.http_url} on {settings.db_url}", highlight=False
                    )
                    outcomes = [
                        await _loadgen(servers.http_url, token, *p, seconds) for p in phases
                    ]
    table = Table(title="HTTP API benchmark")
    for column in (
        "mode",
        "clients",
        "per request",
        "req/s",
        "transfers/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "failed",
    ):
        table.add_column(column, justify="right")
    for o in outcomes:
        table.add_row(
            o["mode"],
            str(o["clients"]),
            str(o["batch"]),
            f"{o['requests_per_s']:,.0f}",
            f"{o['transfers_per_s']:,.0f}",
            f"{o['p50_ms']:.1f}",
            f"{o['p99_ms']:.1f}",
            f"{o['p999_ms']:.1f}",
            f"{o['failed_requests']}/{o['failed_transfers']}",
        )
    console.print(table)


async def _loadgen(
    url: str, key: str, mode: str, clients: int, batch: int, seconds: float
) -> dict[str, Any]:
    """Run strongroom.bench.http_load in its own process and read its JSON line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "strongroom.bench.http_load",
        "--url",
        url,
        "--key",
        key,
        "--mode",
        mode,
        "--clients",
        str(clients),
        "--batch",
        str(batch),
        "--seconds",
        str(seconds),
        stdout=subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise typer.Exit(process.returncode or 1)
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


@app.command("intents")
def bench_intents(
    postgres: PostgresOption = None,
    workflows: Annotated[int, typer.Option(min=1, help="Workflows measured.")] = 20_000,
    in_flight: Annotated[
        int, typer.Option(min=1, help="Closed loop: callers, each with one workflow in flight.")
    ] = 1_000,
    accounts: Annotated[
        int, typer.Option(min=2, help="Accounts the transfers go between.")
    ] = 10_000,
    rate: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Open loop: submit this many workflows/s on a fixed schedule; latency counts"
            " from when each was due.",
        ),
    ] = None,
    warmup: Annotated[
        int, typer.Option(min=0, help="Workflows run before the measured ones.")
    ] = 2_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The ledger.transfer workflow (check, reserve, post, notify) end to end: workflows/s,
    latency from submission to the last checkpoint, checkpoint batch sizes; checks the ledger's
    invariants and that every workflow settled."""
    config = IntentBenchConfig(
        postgres=postgres,
        workflows=workflows,
        in_flight=in_flight,
        accounts=accounts,
        rate=rate,
        warmup=warmup,
    )
    result = run_on_uvloop(run_intent_bench(config))
    if as_json:
        print(result.to_json())
    else:
        where = "PostgreSQL" if postgres else "SQLite"
        table = Table(title=f"strongroom bench intents on {where}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("workflows", f"{result.workflows:,} ({result.settled:,} settled)")
        if result.offered_per_second is not None:
            table.add_row("offered (open loop)", f"{result.offered_per_second:,.0f} workflows/s")
        else:
            table.add_row("in flight (closed loop)", f"{in_flight:,}")
        table.add_row("throughput", f"{result.workflows_per_second:,.0f} workflows/s")
        for name, value in result.latency_ms.items():
            table.add_row(f"latency {name}", f"{value:.1f} ms")
        table.add_row(
            "checkpoints",
            f"{result.checkpoint_batches:,} transactions"
            f" (mean {result.mean_checkpoint_batch:,.0f})",
        )
        table.add_row("CPU per workflow", f"{result.cpu_ms_per_workflow:.2f} ms")
        table.add_row("step retries", f"{result.retries:,}")
        table.add_row("invariants", "hold" if result.invariants_ok else "VIOLATED")
        console.print(table)
    if not result.invariants_ok or result.settled != result.workflows:
        raise typer.Exit(1)


@app.command("payments")
def bench_payments(
    postgres: PostgresOption = None,
    payments: Annotated[int, typer.Option(min=1, help="Payments measured.")] = 5_000,
    in_flight: Annotated[
        int, typer.Option(min=1, help="Closed loop: callers, each with one payment in flight.")
    ] = 500,
    accounts: Annotated[
        int, typer.Option(min=2, help="Customers (one account each) paying each other.")
    ] = 200,
    rate: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Open loop: pay this many times a second on a fixed schedule; latency counts"
            " from when each payment was due.",
        ),
    ] = None,
    warmup: Annotated[
        int, typer.Option(min=0, help="Payments made before the measured ones.")
    ] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Internal payments over HTTP, POST /v1/banking/payments to settled, with screening, fees
    and limits on: payments/s, latency, CPU per payment; checks the ledger's invariants and that
    every payment settled."""
    config = PaymentBenchConfig(
        postgres=postgres,
        payments=payments,
        in_flight=in_flight,
        accounts=accounts,
        rate=rate,
        warmup=warmup,
    )
    result = run_on_uvloop(run_payment_bench(config))
    if as_json:
        print(result.to_json())
    else:
        where = "PostgreSQL" if postgres else "SQLite"
        table = Table(title=f"strongroom bench payments on {where}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("payments", f"{result.payments:,} ({result.settled:,} settled)")
        if result.offered_per_second is not None:
            table.add_row("offered (open loop)", f"{result.offered_per_second:,.0f} payments/s")
        else:
            table.add_row("in flight (closed loop)", f"{in_flight:,}")
        table.add_row("throughput", f"{result.payments_per_second:,.0f} payments/s")
        for name, value in result.latency_ms.items():
            table.add_row(f"latency {name}", f"{value:.1f} ms")
        table.add_row("CPU per payment", f"{result.cpu_ms_per_payment:.2f} ms")
        table.add_row("invariants", "hold" if result.invariants_ok else "VIOLATED")
        console.print(table)
    if not result.invariants_ok or result.settled != result.payments:
        raise typer.Exit(1)


@app.command("statements")
def bench_statements(
    postgres: PostgresOption = None,
    movements: Annotated[int, typer.Option(min=1, help="Movements in the statement.")] = 10_000,
    requests: Annotated[int, typer.Option(min=1, help="Requests timed.")] = 50,
    format: Annotated[str, typer.Option(help="json or csv.")] = "json",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """GET an account's statement of `movements` movements over HTTP: latency per request."""
    if format not in ("json", "csv"):
        raise typer.BadParameter("--format must be json or csv")
    config = StatementBenchConfig(
        postgres=postgres, movements=movements, requests=requests, format=format
    )
    result = run_on_uvloop(run_statement_bench(config))
    if as_json:
        print(result.to_json())
        return
    where = "PostgreSQL" if postgres else "SQLite"
    table = Table(title=f"strongroom bench statements on {where}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("movements", f"{result.movements:,} ({format}, {result.bytes:,} bytes)")
    table.add_row("requests", f"{result.requests:,}")
    for name, value in result.latency_ms.items():
        table.add_row(f"latency {name}", f"{value:.1f} ms")
    console.print(table)


@app.command("billing")
def bench_billing(
    postgres: PostgresOption = None,
    events: Annotated[int, typer.Option(min=1, help="Usage events ingested.")] = 1_000_000,
    subjects: Annotated[int, typer.Option(min=1, help="Subjects invoiced.")] = 10_000,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Events per batch.")] = 10_000,
    in_flight: Annotated[int, typer.Option(min=1, help="Batches ingested at once.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Usage ingestion (events/s), then a billing cycle invoicing every subject over those
    events and posting the invoices (seconds, submission to done)."""
    config = BillingBenchConfig(
        postgres=postgres, events=events, subjects=subjects, batch=batch, in_flight=in_flight
    )
    result = run_on_uvloop(run_billing_bench(config))
    if as_json:
        print(result.to_json())
    else:
        where = "PostgreSQL" if postgres else "SQLite"
        table = Table(title=f"strongroom bench billing on {where}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("events ingested", f"{result.events:,} in {result.ingest_seconds:.1f} s")
        table.add_row("ingestion", f"{result.events_per_second:,.0f} events/s")
        table.add_row("subjects", f"{result.subjects:,}")
        table.add_row("invoice run", f"{result.invoice_run_seconds:.1f} s")
        table.add_row("invoices issued / posted", f"{result.invoices:,} / {result.posted:,}")
        table.add_row("invariants", "hold" if result.invariants_ok else "VIOLATED")
        console.print(table)
    if not result.invariants_ok or result.posted != result.subjects:
        raise typer.Exit(1)


@app.command("compliance")
def bench_compliance(
    postgres: PostgresOption = None,
    decisions: Annotated[int, typer.Option(min=1, help="Decisions measured.")] = 20_000,
    rate: Annotated[
        float, typer.Option(min=1.0, help="Decisions/s offered on a fixed schedule.")
    ] = 2_000.0,
    list_entries: Annotated[
        int, typer.Option(min=1, help="Entries of the synthetic sanctions list.")
    ] = 20_000,
    warmup: Annotated[int, typer.Option(min=0, help="Decisions made before the measured.")] = 2_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The pre-transaction decision: 50 rules with 5 velocity windows and a screening of the
    counterparty against a synthetic sanctions list, in process, open loop; latency from when
    each payment was due; and the velocity update's cost beside a payment's reservation."""
    config = ComplianceBenchConfig(
        postgres=postgres, decisions=decisions, rate=rate, list_entries=list_entries, warmup=warmup
    )
    result = run_on_uvloop(run_compliance_bench(config))
    if as_json:
        print(result.to_json())
        return
    where = "PostgreSQL" if postgres else "SQLite"
    table = Table(title=f"strongroom bench compliance on {where}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        "decisions",
        f"{result.decisions:,} ({result.rules} rules, {result.windows} windows,"
        f" {result.list_entries:,} listed)",
    )
    table.add_row("offered", f"{result.offered_per_second:,.0f} decisions/s")
    table.add_row("throughput", f"{result.decisions_per_second:,.0f} decisions/s")
    for name, value in result.latency_ms.items():
        table.add_row(f"latency {name}", f"{value:.1f} ms")
    table.add_row("outcomes", ", ".join(f"{k} {v:,}" for k, v in result.outcomes.items()))
    table.add_row("engine failures", f"{result.failures:,}")
    table.add_row("CPU per decision", f"{result.cpu_ms_per_decision:.3f} ms")
    table.add_row("names screened before", f"{result.screenings_cached:,}")
    table.add_row(
        "decision write",
        f"{result.record_cpu_us:.1f} µs with velocity,"
        f" {result.record_without_velocity_cpu_us:.1f} µs without",
    )
    table.add_row("reservation (pending transfer)", f"{result.reserve_cpu_us:.1f} µs")
    table.add_row("velocity / reservation", f"{result.velocity_share:.2f}")
    console.print(table)
    if result.failures:
        raise typer.Exit(1)

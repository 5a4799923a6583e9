"""`strongroom bench`: the ledger benchmark (see docs/performance.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from strongroom.bench.ledger import BenchConfig, run_bench
from strongroom.cli.api import bench_http
from strongroom.cli.common import DbOption, console, run
from strongroom.store.urls import DEFAULT_URL


def bench(
    db: DbOption = DEFAULT_URL,
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
        int | None, typer.Option(help="Batches in flight per process (default: 1 SQLite, 2 PG).")
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
    if http:
        bench_http()
        return
    config = BenchConfig(
        url=db,
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
        table = Table(title=f"strongroom bench on {db.split('?')[0]}")
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

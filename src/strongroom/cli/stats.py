"""`strongroom ledger stats`: the ledger's figures from a running server or from the database.

A process's engine counters (batches, retries, resizes, contention per account) live in that
process: `--url` reads them from a running server's `/metrics`. Without it the command reads
what the database holds for every process: the split accounts (bucket count, when last hot
anywhere, pinned), the snapshot watermark, the outbox's backlog and the audit log's head. It
never opens a ledger of its own, whose counters would all be zero.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Annotated

import httpx
import typer
from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, console, err_console, run
from strongroom.settings import Settings

app = typer.Typer(name="ledger", help="Ledger engine figures.", no_args_is_help=True)

#: The engine counters a server exports, in the order they are shown.
_ENGINE = (
    "batches",
    "transfers",
    "retries",
    "reused_ids",
    "expired",
    "escalations",
    "resizes",
    "chained",
    "chain_misses",
)

Samples = dict[str, list[tuple[dict[str, str], float]]]


@app.callback()
def ledger_group() -> None:
    """Ledger engine figures (a group, so that `stats` keeps its name as more commands come)."""


@app.command()
def stats(
    db: DbOption = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="A running server (http://host:port): its engine and contention figures.",
            show_default=False,
        ),
    ] = None,
    prometheus: Annotated[
        bool, typer.Option("--prometheus", help="With --url: print the server's metrics as is.")
    ] = False,
    top: Annotated[int, typer.Option(min=1, help="Accounts to list per table.")] = 20,
) -> None:
    """Engine and contention figures of a running server (--url), else what the database
    records: split accounts, snapshot watermark, outbox backlog, audit head."""
    if url is None:
        if prometheus:
            raise typer.BadParameter("--prometheus reads a server: give --url too")
        run(_from_database(command_settings(db_url=db), top))
        return
    text = _scrape(url)
    if prometheus:
        typer.echo(text, nl=False)
        return
    _show_server(url, _samples(text), top)


def _scrape(url: str) -> str:
    target = url.rstrip("/") + "/metrics"
    try:
        response = httpx.get(target, timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as error:
        err_console.print(f"[red]error:[/red] cannot read {target}: {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    return response.text


def _samples(text: str) -> Samples:
    found: Samples = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def _value(samples: Samples, name: str) -> str:
    values = samples.get(name)
    return "-" if not values else f"{values[0][1]:g}"


def _show_server(url: str, samples: Samples, top: int) -> None:
    engine = Table(title=f"ledger engine ({url})")
    engine.add_column("measure")
    engine.add_column("value", justify="right")
    for name in _ENGINE:
        engine.add_row(name.replace("_", " "), _value(samples, f"strongroom_ledger_{name}_total"))
    engine.add_row("queue depth", _value(samples, "strongroom_ledger_queue_depth"))
    console.print(engine)

    accounts = Table(title="hottest accounts (this server)")
    accounts.add_column("account", no_wrap=True, min_width=36)
    for column in ("buckets", "batches", "lock wait (s)", "retries"):
        accounts.add_column(column, justify="right")
    per_account: dict[str, dict[str, float]] = defaultdict(dict)
    for column, name in (
        ("buckets", "strongroom_ledger_account_buckets"),
        ("batches", "strongroom_ledger_account_batches_total"),
        ("lock wait (s)", "strongroom_ledger_account_lock_wait_seconds_total"),
        ("retries", "strongroom_ledger_account_retries_total"),
    ):
        for labels, value in samples.get(name, ()):
            per_account[labels["account"]][column] = value
    ranked = sorted(per_account.items(), key=lambda item: -item[1].get("batches", 0))[:top]
    for account, figures in ranked:
        # An account the server never split has its one bucket and no bucket series.
        figures.setdefault("buckets", 1)
        cells = (figures.get(c) for c in ("buckets", "batches", "lock wait (s)", "retries"))
        accounts.add_row(account, *("-" if v is None else f"{v:g}" for v in cells))
    console.print(accounts)

    components = Table(title="components (this server)")
    components.add_column("component")
    components.add_column("up", justify="right")
    for labels, value in samples.get("strongroom_component_up", ()):
        components.add_row(labels["component"], "yes" if value else "no")
    components.add_row("outbox rows waiting", _value(samples, "strongroom_outbox_waiting_rows"))
    components.add_row("relay lag (s)", _value(samples, "strongroom_relay_lag_seconds"))
    for labels, value in samples.get("strongroom_consumer_pending_events", ()):
        components.add_row(f"{labels['consumer']} consumer pending", f"{value:g}")
    console.print(components)


async def _from_database(settings: Settings, top: int) -> None:
    async with Platform(settings) as platform:
        async with (await platform.repair()).read() as view:
            split = await view.bucketed_accounts(top)
        latest = await (await platform.snapshots()).latest()
        outbox = await (await platform.outbox()).status()
        audit_head = await (await platform.audit_log()).head_seq()
    now = time.time_ns()

    def ago(ns: int | None) -> str:
        return "-" if not ns else f"{(now - ns) / 1e9:,.1f} s ago"

    accounts = Table(title="split accounts (database: every process)")
    accounts.add_column("account", no_wrap=True, min_width=36)
    for column in ("buckets", "pinned", "last hot", "resized"):
        accounts.add_column(column, justify="right")
    for entry in split:
        accounts.add_row(
            str(entry.account_id),
            str(entry.buckets),
            "yes" if entry.pinned else "no",
            ago(entry.hot_at),
            ago(entry.resized_at),
        )
    console.print(accounts)
    figures = Table(title="platform (database)")
    figures.add_column("measure")
    figures.add_column("value", justify="right")
    for label, value in (
        ("snapshot watermark", str(latest.seq) if latest else "none"),
        ("snapshot taken", ago(latest.taken_at) if latest else "-"),
        ("snapshot accounts", str(latest.accounts) if latest else "0"),
        ("outbox rows waiting", str(outbox.waiting)),
        ("oldest waiting row", ago(outbox.oldest_waiting_at)),
        ("last published", ago(outbox.last_published_at)),
        ("audit log head", str(audit_head)),
    ):
        figures.add_row(label, value)
    console.print(figures)
    console.print(
        "Engine counters live in each server: strongroom ledger stats --url http://HOST:PORT",
        highlight=False,
        soft_wrap=True,
    )

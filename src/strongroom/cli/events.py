"""`strongroom events`: run the outbox relay, watch and prune the outbox, measure throughput.

Thin: parses options, wires a bus, a relay and (on the in-process bus) the audit consumer, and runs
them until SIGINT or SIGTERM. Imports strongroom.events, strongroom.bootstrap (the outbox and the
audit log) and strongroom.bench.events; never strongroom.store.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import typer

from strongroom.bench.events import run_bench
from strongroom.bootstrap import DEFAULT_URL, open_audit_log, open_outbox
from strongroom.errors import StrongroomError
from strongroom.events.audit import subscribe_audit
from strongroom.events.bus import DEFAULT_PREFIX, Bus
from strongroom.events.inprocess import InProcessBus
from strongroom.events.jetstream import DEFAULT_STREAM, JetStreamBus
from strongroom.events.ports import OutboxStatus
from strongroom.events.relay import Relay

app = typer.Typer(name="events", help="Outbox relay and event bus.", no_args_is_help=True)


@app.callback()
def events() -> None:
    """Outbox relay and event bus (docs/events.md)."""


DB_OPTION = typer.Option(DEFAULT_URL, "--db", envvar="STRONGROOM_DB_URL", help="Database URL.")
NATS_OPTION = typer.Option(
    None, "--nats", envvar="STRONGROOM_NATS_URL", help="NATS URL; without it, the in-process bus."
)
STREAM_OPTION = typer.Option(DEFAULT_STREAM, "--stream", help="JetStream stream name.")
PREFIX_OPTION = typer.Option(DEFAULT_PREFIX, "--prefix", help="Subject prefix.")


def stop_on_signals() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM, so work can finish its round and exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


@app.command()
def relay(
    db: str = DB_OPTION,
    nats: str | None = NATS_OPTION,
    stream: str = STREAM_OPTION,
    prefix: str = PREFIX_OPTION,
    batch_size: int = typer.Option(100, "--batch-size", help="Outbox rows per round."),
    poll_interval: float = typer.Option(0.2, "--poll-interval", help="Seconds between polls."),
    once: bool = typer.Option(False, "--once", help="Publish what is waiting, then exit."),
    audit: bool = typer.Option(
        True, "--audit/--no-audit", help="In-process bus: run the audit consumer here."
    ),
) -> None:
    """Publish outbox events to the bus, at least once, in outbox order."""
    if nats is None and not audit:
        typer.echo(
            "error: with the in-process bus and --no-audit no handler would receive the events",
            err=True,
        )
        raise typer.Exit(2)
    try:
        asyncio.run(_relay(db, nats, stream, prefix, batch_size, poll_interval, once, audit))
    except StrongroomError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _relay(
    db: str,
    nats: str | None,
    stream: str,
    prefix: str,
    batch_size: int,
    poll_interval: float,
    once: bool,
    audit: bool,
) -> None:
    outbox = open_outbox(db)
    audit_log = open_audit_log(db) if nats is None and audit else None
    bus: Bus
    if nats is None:
        bus = InProcessBus(prefix=prefix)
        if audit_log is not None:
            await subscribe_audit(bus, audit_log)
    else:
        bus = await JetStreamBus.connect(nats, prefix=prefix, stream=stream)
    outbox_relay = Relay(outbox, bus, batch_size=batch_size, poll_interval=poll_interval)
    try:
        if once:
            count = await outbox_relay.drain()
            typer.echo(f"published {count} events")
            return
        stop = stop_on_signals()
        outbox_relay.start()
        await stop.wait()
        await outbox_relay.stop()
    finally:
        with contextlib.suppress(Exception):
            await bus.close()
        await outbox_relay.close()
        if audit_log is not None:
            await audit_log.close()


@app.command()
def status(db: str = DB_OPTION) -> None:
    """How many outbox rows wait for the relay, and since when."""
    current = asyncio.run(_status(db))
    now = time.time_ns()
    oldest = (
        f", oldest written {(now - current.oldest_waiting_at) / 1e9:.1f} s ago"
        if current.oldest_waiting_at is not None
        else ""
    )
    last = (
        f", last published {(now - current.last_published_at) / 1e9:.1f} s ago"
        if current.last_published_at is not None
        else ""
    )
    typer.echo(f"waiting: {current.waiting} rows{oldest}")
    typer.echo(f"published and kept: {current.published} rows{last}")


async def _status(db: str) -> OutboxStatus:
    outbox = open_outbox(db)
    try:
        return await outbox.status()
    finally:
        await outbox.close()


@app.command()
def prune(
    db: str = DB_OPTION,
    older_than: float = typer.Option(
        ..., "--older-than-hours", help="Delete rows published more than this many hours ago."
    ),
) -> None:
    """Delete outbox rows published long ago; rows still waiting are never deleted."""
    if older_than < 0:
        typer.echo("error: --older-than-hours must not be negative", err=True)
        raise typer.Exit(2)
    deleted = asyncio.run(_prune(db, time.time_ns() - int(older_than * 3600e9)))
    typer.echo(f"deleted {deleted} published rows")


async def _prune(db: str, published_before: int) -> int:
    outbox = open_outbox(db)
    try:
        return await outbox.prune(published_before)
    finally:
        await outbox.close()


@app.command()
def bench(
    postgres: str | None = typer.Option(
        None,
        "--postgres",
        help="Bench on a throwaway schema of this PostgreSQL database (default: temporary SQLite).",
    ),
    nats: str | None = typer.Option(
        None, "--nats", help="Also bench JetStream (throwaway streams)."
    ),
    events: int = typer.Option(10_000, "--events", help="Events per scenario."),
    per_row: int = typer.Option(10, "--per-row", help="Events per outbox row (per transaction)."),
    batch_size: int = typer.Option(100, "--batch-size", help="Outbox rows per relay round."),
) -> None:
    """Measure relay and audit-consumer throughput; touches no real data."""
    results = asyncio.run(
        run_bench(postgres, nats, events=events, per_row=per_row, batch_size=batch_size)
    )
    backend = "PostgreSQL" if postgres else "SQLite"
    for result in results:
        typer.echo(
            f"{backend:10}  {result.scenario:40}  {result.events} events"
            f"  {result.seconds:7.3f} s  {result.per_second:9.0f} events/s"
        )


if __name__ == "__main__":
    app()

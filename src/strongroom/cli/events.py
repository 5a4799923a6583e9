"""`strongroom events`: run the outbox relay, watch and prune the outbox, measure throughput.

Thin: parses options, gets the relay, its bus and (on the in-process bus) the audit log from a
strongroom.bootstrap.Platform, subscribes the audit consumer, and runs them until SIGINT or
SIGTERM. Imports strongroom.events, strongroom.bootstrap and strongroom.bench.events; never
strongroom.store.
"""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Annotated

import typer

from strongroom.bench.events import run_bench
from strongroom.bootstrap import Platform, telemetry
from strongroom.cli.common import DbOption, command_settings, configured
from strongroom.errors import StrongroomError
from strongroom.events.audit import subscribe_audit
from strongroom.events.ports import OutboxStatus
from strongroom.settings import Settings

app = typer.Typer(name="events", help="Outbox relay and event bus.", no_args_is_help=True)


@app.callback()
def events() -> None:
    """Outbox relay and event bus (docs/events.md)."""


NatsOption = Annotated[
    str | None,
    typer.Option(
        "--nats",
        help="NATS URL " + configured("nats_url", "none: the in-process bus"),
        show_default=False,
    ),
]
StreamOption = Annotated[
    str | None,
    typer.Option(
        "--stream", help="JetStream stream name " + configured("nats_stream"), show_default=False
    ),
]
PrefixOption = Annotated[
    str | None,
    typer.Option(
        "--prefix", help="Subject prefix " + configured("event_prefix"), show_default=False
    ),
]


def stop_on_signals() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM, so work can finish its round and exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


@app.command()
def relay(
    db: DbOption = None,
    nats: NatsOption = None,
    stream: StreamOption = None,
    prefix: PrefixOption = None,
    batch_size: int = typer.Option(100, "--batch-size", help="Outbox rows per round."),
    poll_interval: float = typer.Option(0.2, "--poll-interval", help="Seconds between polls."),
    once: bool = typer.Option(False, "--once", help="Publish what is waiting, then exit."),
    audit: bool = typer.Option(
        True, "--audit/--no-audit", help="In-process bus: run the audit consumer here."
    ),
) -> None:
    """Publish outbox events to the bus, at least once, in outbox order."""
    settings = command_settings(db_url=db, nats_url=nats, nats_stream=stream, event_prefix=prefix)
    if settings.nats_url is None and not audit:
        typer.echo(
            "error: with the in-process bus and --no-audit no handler would receive the events",
            err=True,
        )
        raise typer.Exit(2)
    try:
        asyncio.run(_relay(settings, batch_size, poll_interval, once, audit))
    except StrongroomError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _relay(
    settings: Settings,
    batch_size: int,
    poll_interval: float,
    once: bool,
    audit: bool,
) -> None:
    async with telemetry(settings), Platform(settings, migrate=False) as platform:
        outbox_relay = await platform.relay(batch_size=batch_size, poll_interval=poll_interval)
        if settings.nats_url is None and audit:
            await subscribe_audit(outbox_relay.bus, await platform.audit_log())
        if once:
            count = await outbox_relay.drain()
            typer.echo(f"published {count} events")
            return
        stop = stop_on_signals()
        outbox_relay.start()
        await stop.wait()
        await outbox_relay.stop()


@app.command()
def status(db: DbOption = None) -> None:
    """How many outbox rows wait for the relay, and since when."""
    current = asyncio.run(_status(command_settings(db_url=db)))
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


async def _status(settings: Settings) -> OutboxStatus:
    async with Platform(settings, migrate=False) as platform:
        return await (await platform.outbox()).status()


@app.command()
def prune(
    db: DbOption = None,
    older_than: float = typer.Option(
        ..., "--older-than-hours", help="Delete rows published more than this many hours ago."
    ),
) -> None:
    """Delete outbox rows published long ago; rows still waiting are never deleted."""
    if older_than < 0:
        typer.echo("error: --older-than-hours must not be negative", err=True)
        raise typer.Exit(2)
    settings = command_settings(db_url=db)
    deleted = asyncio.run(_prune(settings, time.time_ns() - int(older_than * 3600e9)))
    typer.echo(f"deleted {deleted} published rows")


async def _prune(settings: Settings, published_before: int) -> int:
    async with Platform(settings, migrate=False) as platform:
        return await (await platform.outbox()).prune(published_before)


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

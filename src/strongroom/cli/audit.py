"""`strongroom audit`: verify the hash chain, follow new entries, run the audit consumer.

Thin: parses options and renders what strongroom.events.audit returns. Imports strongroom.events,
strongroom.bootstrap (a Platform for the audit log and the bus) and strongroom.cli's shared
options; never strongroom.store.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Annotated

import typer

from strongroom.bootstrap import Platform, telemetry
from strongroom.cli.common import DbOption, command_settings
from strongroom.cli.events import PrefixOption, StreamOption, stop_on_signals
from strongroom.errors import StrongroomError
from strongroom.events.audit import (
    ChainReport,
    parse_anchor,
    subscribe_audit,
    tail_entries,
    verify_chain,
)
from strongroom.events.hash_chain import AuditEntry
from strongroom.settings import Settings

app = typer.Typer(name="audit", help="The tamper-evident audit log.", no_args_is_help=True)


@app.command()
def verify(
    db: DbOption = None,
    anchor: str | None = typer.Option(
        None, "--anchor", help="SEQ:HASH printed by an earlier verify; catches deleted tails."
    ),
) -> None:
    """Walk the hash chain; exit 1 naming the first broken row."""
    settings = command_settings(db_url=db)
    try:
        expected = parse_anchor(anchor) if anchor else None
        report = asyncio.run(_verify(settings, expected))
    except StrongroomError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    head = f"{report.head_seq}:{report.head_hash}" if report.head_seq else "empty"
    if report.ok:
        typer.echo(f"ok: {report.checked} entries verified, head {head}")
        return
    typer.echo(f"broken at row {report.broken_seq}: {report.reason}")
    typer.echo(f"entries verified before it: {report.checked}, last good {head}")
    raise typer.Exit(1)


async def _verify(settings: Settings, anchor: tuple[int, str] | None) -> ChainReport:
    async with Platform(settings, migrate=False) as platform:
        return await verify_chain(await platform.audit_log(), anchor=anchor)


@app.command()
def tail(
    db: DbOption = None,
    lines: int = typer.Option(10, "--lines", "-n", help="How many of the newest entries."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new entries."),
    interval: float = typer.Option(1.0, "--interval", help="Seconds between polls (--follow)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Print the newest entries, and with --follow each new one as it is appended."""
    settings = command_settings(db_url=db)
    try:
        asyncio.run(_tail(settings, lines, follow, interval, as_json))
    except KeyboardInterrupt:
        return


async def _tail(
    settings: Settings, lines: int, follow: bool, interval: float, as_json: bool
) -> None:
    async with Platform(settings, migrate=False) as platform:
        audit_log = await platform.audit_log()
        async for entry in tail_entries(audit_log, lines=lines, follow=follow, interval=interval):
            typer.echo(_render_json(entry) if as_json else _render(entry))


def _render(entry: AuditEntry) -> str:
    when = datetime.datetime.fromtimestamp(entry.occurred_at / 1e9, datetime.UTC)
    return "  ".join(
        [
            str(entry.seq),
            when.isoformat(timespec="milliseconds"),
            entry.tenant,
            entry.actor or "-",
            entry.event_type,
            entry.entity_id or "-",
            f"trace={entry.trace_id or '-'}",
        ]
    )


def _render_json(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "seq": entry.seq,
            "event_id": str(entry.event_id),
            "tenant": entry.tenant,
            "actor": entry.actor,
            "event_type": entry.event_type,
            "entity_id": entry.entity_id,
            "before": None if entry.before is None else json.loads(entry.before),
            "after": None if entry.after is None else json.loads(entry.after),
            "occurred_at": entry.occurred_at,
            "recorded_at": entry.recorded_at,
            "trace_id": entry.trace_id,
            "hash": entry.hash,
        }
    )


@app.command()
def consume(
    db: DbOption = None,
    nats: Annotated[
        str | None,
        typer.Option(
            "--nats",
            help="NATS URL, required (default: STRONGROOM_NATS_URL, else nats_url in"
            " strongroom.toml)",
            show_default=False,
        ),
    ] = None,
    stream: StreamOption = None,
    prefix: PrefixOption = None,
) -> None:
    """Run the audit consumer on the JetStream bus until SIGINT or SIGTERM."""
    settings = command_settings(db_url=db, nats_url=nats, nats_stream=stream, event_prefix=prefix)
    if settings.nats_url is None:
        raise typer.BadParameter(
            "the audit consumer needs JetStream: give --nats, STRONGROOM_NATS_URL or nats_url"
            " in strongroom.toml",
            param_hint="'--nats'",
        )
    asyncio.run(_consume(settings))


async def _consume(settings: Settings) -> None:
    async with telemetry(settings), Platform(settings, migrate=False) as platform:
        audit_log = await platform.audit_log()
        await subscribe_audit(await platform.bus(), audit_log)
        await stop_on_signals().wait()


if __name__ == "__main__":
    app()

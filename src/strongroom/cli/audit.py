"""`strongroom audit`: verify the hash chain, follow new entries, run the audit consumer.

Thin: parses options and renders what strongroom.events.audit returns. Imports strongroom.events,
strongroom.bootstrap (the audit log) and strongroom.cli.events (shared options); never
strongroom.store.
"""

from __future__ import annotations

import asyncio
import datetime
import json

import typer

from strongroom.bootstrap import open_audit_log
from strongroom.cli.events import DB_OPTION, PREFIX_OPTION, STREAM_OPTION, stop_on_signals
from strongroom.errors import StrongroomError
from strongroom.events.audit import (
    ChainReport,
    parse_anchor,
    subscribe_audit,
    tail_entries,
    verify_chain,
)
from strongroom.events.hash_chain import AuditEntry
from strongroom.events.jetstream import JetStreamBus

app = typer.Typer(name="audit", help="The tamper-evident audit log.", no_args_is_help=True)


@app.command()
def verify(
    db: str = DB_OPTION,
    anchor: str | None = typer.Option(
        None, "--anchor", help="SEQ:HASH printed by an earlier verify; catches deleted tails."
    ),
) -> None:
    """Walk the hash chain; exit 1 naming the first broken row."""
    try:
        expected = parse_anchor(anchor) if anchor else None
        report = asyncio.run(_verify(db, expected))
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


async def _verify(db: str, anchor: tuple[int, str] | None) -> ChainReport:
    audit_log = open_audit_log(db)
    try:
        return await verify_chain(audit_log, anchor=anchor)
    finally:
        await audit_log.close()


@app.command()
def tail(
    db: str = DB_OPTION,
    lines: int = typer.Option(10, "--lines", "-n", help="How many of the newest entries."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new entries."),
    interval: float = typer.Option(1.0, "--interval", help="Seconds between polls (--follow)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Print the newest entries, and with --follow each new one as it is appended."""
    try:
        asyncio.run(_tail(db, lines, follow, interval, as_json))
    except KeyboardInterrupt:
        return


async def _tail(db: str, lines: int, follow: bool, interval: float, as_json: bool) -> None:
    audit_log = open_audit_log(db)
    try:
        async for entry in tail_entries(audit_log, lines=lines, follow=follow, interval=interval):
            typer.echo(_render_json(entry) if as_json else _render(entry))
    finally:
        await audit_log.close()


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
    db: str = DB_OPTION,
    nats: str = typer.Option(..., "--nats", envvar="STRONGROOM_NATS_URL", help="NATS URL."),
    stream: str = STREAM_OPTION,
    prefix: str = PREFIX_OPTION,
) -> None:
    """Run the audit consumer on the JetStream bus until SIGINT or SIGTERM."""
    asyncio.run(_consume(db, nats, stream, prefix))


async def _consume(db: str, nats: str, stream: str, prefix: str) -> None:
    audit_log = open_audit_log(db)
    bus = await JetStreamBus.connect(nats, prefix=prefix, stream=stream)
    try:
        await subscribe_audit(bus, audit_log)
        await stop_on_signals().wait()
    finally:
        await bus.close()
        await audit_log.close()


if __name__ == "__main__":
    app()

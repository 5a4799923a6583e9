"""`strongroom serve`: the HTTP and gRPC APIs and the background components (the outbox relay,
the audit consumer, the snapshot task, the sweeper, the intent engine, the velocity pruning), in
one process or in `--workers` processes sharing the ports (PostgreSQL only).

With several workers every process runs the relay (one holds the outbox, the others stand by to
take over), the audit consumer and an intent engine; the snapshot task, the sweeper and the
velocity pruning run in the first only.
A SIGTERM or SIGINT stops intake (the servers stop accepting and finish the requests in
flight), then the components (the relay publishes what is waiting), then the ledger, which
commits what it was given first.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from typing import Annotated

import typer

from strongroom.api.http import MAX_BODY_BYTES
from strongroom.api.server import serving
from strongroom.bootstrap import Platform, database_kind, telemetry
from strongroom.bootstrap.components import configured_components, start_components
from strongroom.cli.common import (
    DbOption,
    command_settings,
    configured,
    console,
    run,
    run_on_uvloop,
)
from strongroom.runtime import settle_heap
from strongroom.settings import Settings


def serve(
    db: DbOption = None,
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on " + configured("http_host"), show_default=False),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="HTTP port, 0: a free one " + configured("http_port"), show_default=False
        ),
    ] = None,
    grpc_port: Annotated[
        int | None,
        typer.Option(
            help="gRPC port, 0: a free one " + configured("grpc_port"), show_default=False
        ),
    ] = None,
    no_grpc: Annotated[bool, typer.Option("--no-grpc", help="Serve HTTP only.")] = False,
    max_body_bytes: Annotated[
        int, typer.Option(min=1024, help="Largest accepted HTTP request body.")
    ] = MAX_BODY_BYTES,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Server processes sharing the ports (PostgreSQL only; 1 core each)."
        ),
    ] = 1,
    relay: Annotated[
        bool | None,
        typer.Option(
            "--relay/--no-relay",
            help="Run the outbox relay " + configured("run_relay"),
            show_default=False,
        ),
    ] = None,
    audit: Annotated[
        bool | None,
        typer.Option(
            "--audit/--no-audit",
            help="Run the audit consumer " + configured("run_audit"),
            show_default=False,
        ),
    ] = None,
    metering: Annotated[
        bool | None,
        typer.Option(
            "--metering/--no-metering",
            help="Run the metering consumer " + configured("run_metering"),
            show_default=False,
        ),
    ] = None,
    snapshots: Annotated[
        bool | None,
        typer.Option(
            "--snapshots/--no-snapshots",
            help="Take snapshots every snapshot_interval " + configured("run_snapshots"),
            show_default=False,
        ),
    ] = None,
    sweeper: Annotated[
        bool | None,
        typer.Option(
            "--sweeper/--no-sweeper",
            help="Release expired pending transfers " + configured("run_sweeper"),
            show_default=False,
        ),
    ] = None,
    intents: Annotated[
        bool | None,
        typer.Option(
            "--intents/--no-intents",
            help="Run intents (the intent engine's worker) " + configured("run_intents"),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the HTTP and gRPC APIs with the platform's background components until
    interrupted (embedded SQLite by default)."""
    settings = command_settings(
        db_url=db,
        http_host=host,
        http_port=port,
        grpc_port=grpc_port,
        run_relay=relay,
        run_audit=audit,
        run_metering=metering,
        run_snapshots=snapshots,
        run_sweeper=sweeper,
        run_intents=intents,
    )
    grpc = None if no_grpc else settings.grpc_port
    if workers == 1:
        run_on_uvloop(_serve(settings, grpc, max_body_bytes))
        return
    if database_kind(settings.db_url) != "postgresql":
        raise typer.BadParameter("several workers need PostgreSQL (SQLite has one writer)")
    if settings.http_port == 0 or grpc == 0:
        raise typer.BadParameter("several workers need fixed ports, not 0")
    # Once, before the workers open the ledger: they must not race to migrate.
    run(_migrate(settings))
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_serve_worker,
            args=(settings, grpc, max_body_bytes, n == 0),
            name=f"strongroom-serve-{n}",
        )
        for n in range(workers)
    ]
    for child in children:
        child.start()

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    if any(c.exitcode not in (0, -signal.SIGTERM) for c in children):
        raise typer.Exit(1)


async def _migrate(settings: Settings) -> None:
    async with Platform(settings) as platform:
        await platform.migrate()


def _serve_worker(settings: Settings, grpc_port: int | None, max_body: int, announce: bool) -> None:
    # A spawned worker does not start in strongroom.cli.main: settle its heap the same way.
    settle_heap()
    run_on_uvloop(_serve(settings, grpc_port, max_body, worker=True, announce=announce))


async def _serve(
    settings: Settings,
    grpc_port: int | None,
    max_body: int,
    *,
    worker: bool = False,
    announce: bool = True,
) -> None:
    # A worker shares the ports (SO_REUSEPORT) and finds the schema migrated by its parent.
    async with telemetry(settings), Platform(settings, migrate=not worker) as platform:
        services = await platform.services()
        names = configured_components(platform)
        if not announce:
            # Not the first worker: one process is enough for the periodic tasks.
            names = [n for n in names if n not in ("snapshots", "sweeper", "velocity")]
        components = await start_components(platform, names)
        try:
            async with serving(
                services.ledger_service,
                services.access,
                intents=services.intents,
                compliance=services.compliance,
                cases=services.cases,
                banking=services.banking,
                billing=services.billing,
                console=await platform.console(),
                host=settings.http_host,
                port=settings.http_port,
                grpc_port=grpc_port,
                max_body_bytes=max_body,
                reuse_port=worker,
                components=components.health,
                collectors=[components.collector()],
            ) as servers:
                # The app, the ledger and their connections live as long as the server.
                settle_heap()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, servers.stop)
                if announce:
                    console.print(
                        f"HTTP on {servers.http_url} (OpenAPI at {servers.http_url}/openapi.json)"
                    )
                    if servers.grpc_target:
                        console.print(f"gRPC on {servers.grpc_target}")
                    console.print(
                        f"database {settings.db_url}; running "
                        f"{', '.join(components.names) or 'no background component'}; "
                        "Ctrl-C stops",
                        highlight=False,
                        soft_wrap=True,
                    )
                await servers.wait()
        finally:
            await components.stop()

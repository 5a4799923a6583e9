"""`strongroom serve`: the HTTP and gRPC APIs, in one process or in `--workers` processes
sharing the ports (PostgreSQL only)."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from typing import Annotated

import typer

from strongroom.api.http import MAX_BODY_BYTES
from strongroom.api.server import serving
from strongroom.bootstrap import DEFAULT_URL, database_kind, migrate_database, open_services
from strongroom.cli.common import DbOption, console, run, run_on_uvloop
from strongroom.runtime import settle_heap

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]


def serve(
    db: DbOption = DEFAULT_URL,
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port (0: a free one).")] = 8000,
    grpc_port: Annotated[int, typer.Option(help="gRPC port (0: a free one).")] = 50051,
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
) -> None:
    """Serve the HTTP API and the gRPC API until interrupted (embedded SQLite by default)."""
    grpc = None if no_grpc else grpc_port
    if workers == 1:
        run_on_uvloop(_serve(db, host, port, grpc, max_body_bytes))
        return
    if database_kind(db) != "postgresql":
        raise typer.BadParameter("several workers need PostgreSQL (SQLite has one writer)")
    if port == 0 or grpc == 0:
        raise typer.BadParameter("several workers need fixed ports, not 0")
    # Once, before the workers open the ledger: they must not race to migrate.
    run(migrate_database(db))
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_serve_worker,
            args=(db, host, port, grpc, max_body_bytes, n == 0),
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


def _serve_worker(
    db: str, host: str, port: int, grpc_port: int | None, max_body: int, announce: bool
) -> None:
    # A spawned worker does not start in strongroom.cli.main: settle its heap the same way.
    settle_heap()
    run_on_uvloop(_serve(db, host, port, grpc_port, max_body, reuse_port=True, announce=announce))


async def _serve(
    db: str,
    host: str,
    port: int,
    grpc_port: int | None,
    max_body: int,
    *,
    reuse_port: bool = False,
    announce: bool = True,
) -> None:
    async with (
        open_services(db, migrate=not reuse_port) as services,
        serving(
            services.ledger_service,
            services.access,
            host=host,
            port=port,
            grpc_port=grpc_port,
            max_body_bytes=max_body,
            reuse_port=reuse_port,
        ) as servers,
    ):
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
            console.print(f"database {db}; Ctrl-C stops", highlight=False)
        await servers.wait()

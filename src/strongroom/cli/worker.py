"""`strongroom worker NAME...`: run background components as a process of their own.

For deployments that scale them apart from the APIs: `serve --no-relay --no-audit` beside
`worker relay audit`, say. The components are strongroom.bootstrap.components's; `--port` serves
their health endpoints and metrics. SIGINT or SIGTERM stops them, each finishing its work in
progress.
"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.api.server import serving_operations
from strongroom.bootstrap import Platform, telemetry
from strongroom.bootstrap.components import COMPONENTS, start_components
from strongroom.cli.common import DbOption, command_settings, console, run_on_uvloop
from strongroom.cli.events import NatsOption, stop_on_signals
from strongroom.settings import Settings


def worker(
    names: Annotated[
        list[str],
        typer.Argument(help=f"Components to run: {', '.join(COMPONENTS)}.", show_default=False),
    ],
    db: DbOption = None,
    nats: NatsOption = None,
    host: Annotated[
        str, typer.Option(help="Interface the health endpoints listen on (with --port).")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65535,
            help="Serve /healthz, /readyz and /metrics on this port (0: a free one).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run background components (relay, audit, snapshots, sweeper) until interrupted."""
    settings = command_settings(db_url=db, nats_url=nats)
    run_on_uvloop(_work(settings, names, host, port))


async def _work(settings: Settings, names: list[str], host: str, port: int | None) -> None:
    stop = stop_on_signals()
    async with telemetry(settings), Platform(settings) as platform:
        components = await start_components(platform, names)
        try:
            running = ", ".join(components.names)
            if port is None:
                console.print(f"running {running}; Ctrl-C stops", highlight=False, soft_wrap=True)
                await stop.wait()
                return
            # The outbox is read by every component's process anyway: a cheap probe of the
            # database.
            outbox = await platform.outbox()
            async with serving_operations(
                outbox.status,
                components.health,
                [components.collector()],
                host=host,
                port=port,
            ) as server:
                console.print(
                    f"running {running}; health on {server.http_url}; Ctrl-C stops",
                    highlight=False,
                    soft_wrap=True,
                )
                await stop.wait()
        finally:
            await components.stop()

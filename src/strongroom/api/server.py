"""Run the HTTP (uvicorn) and gRPC servers together on the current event loop.

`serving()` is the one composition of the transports: `strongroom serve`, the demo and
`bench-http` all start the API through it. Signal handling is the caller's: uvicorn's own
handlers (which re-raise the signal after shutdown) are turned off so that the ledger closes
cleanly after the servers stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator, Sequence
from dataclasses import dataclass

import grpc
import uvicorn
from prometheus_client.registry import Collector
from starlette.types import ASGIApp

from strongroom.api.console.app import install as install_console
from strongroom.api.console.services import ConsoleServices
from strongroom.api.grpc import start_grpc_server
from strongroom.api.http import MAX_BODY_BYTES, create_app
from strongroom.api.http.app import create_operations_app
from strongroom.api.http.health import ComponentsView, Probe
from strongroom.banking.services import BankingServices
from strongroom.billing.services import BillingServices
from strongroom.compliance.cases import CaseService
from strongroom.compliance.service import ComplianceService
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.workflows.service import IntentService


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Serving:
    http_url: str
    #: host:port of the gRPC server, or None when it was not started.
    grpc_target: str | None
    _http: _Uvicorn
    _task: asyncio.Task[None]
    _grpc: grpc.aio.Server | None

    def stop(self) -> None:
        """Ask the servers to finish their in-flight requests and stop."""
        self._http.should_exit = True

    async def wait(self) -> None:
        """Until the HTTP server has stopped (after `stop()`)."""
        await asyncio.shield(self._task)


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio's own loop sets TCP_NODELAY only on connections of such a
    # socket; without it a response's body, written after its headers, waited for the client's
    # delayed ACK (Nagle's algorithm), ~40 ms a request. uvloop sets it either way.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        # Several server processes bind the same port; the kernel spreads connections.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@contextlib.asynccontextmanager
async def _http_server(
    app: ASGIApp, host: str, port: int, reuse_port: bool
) -> AsyncIterator[tuple[str, _Uvicorn, asyncio.Task[None]]]:
    """uvicorn serving `app` on host:port, started; yields its URL, the server and its task."""
    config = uvicorn.Config(
        app,
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        # A burst of 64+ clients connecting at once must not be refused.
        backlog=4096,
    )
    sock = _listen(host, port, reuse_port)
    bound = sock.getsockname()[1]
    http = _Uvicorn(config)
    task = asyncio.create_task(http.serve(sockets=[sock]), name="http-server")
    try:
        while not http.started:
            if task.done():
                await task
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)
        url_host = f"[{host}]" if ":" in host else host
        yield f"http://{url_host}:{bound}", http, task
    finally:
        http.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@contextlib.asynccontextmanager
async def serving(
    service: LedgerService,
    access: AccessService,
    *,
    intents: IntentService | None = None,
    compliance: ComplianceService | None = None,
    cases: CaseService | None = None,
    banking: BankingServices | None = None,
    billing: BillingServices | None = None,
    console: ConsoleServices | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    grpc_port: int | None = 50051,
    max_body_bytes: int = MAX_BODY_BYTES,
    reuse_port: bool = False,
    components: ComponentsView | None = None,
    collectors: Sequence[Collector] = (),
) -> AsyncIterator[Serving]:
    """Serve HTTP on host:port and gRPC on host:grpc_port (0: free ports; None: no gRPC).

    `reuse_port`: other processes may serve the same HTTP port (gRPC shares its port between
    processes by default). `intents`, `compliance`, `cases`, `banking`, `billing`, `components`
    and `collectors`: as `create_app` takes them (their routes are served when they are given, and
    so are the intent engine's, compliance's and the bank's gRPC services). `console`: the
    operations console under /console (strongroom.api.console)."""
    app = create_app(
        service,
        access,
        intents=intents,
        compliance=compliance,
        cases=cases,
        banking=banking,
        billing=billing,
        max_body_bytes=max_body_bytes,
        components=components,
        collectors=collectors,
    )
    if console is not None:
        install_console(app, console)
    grpc_server = None
    try:
        # Leaving this block stops the HTTP server; gRPC stops after it.
        async with _http_server(app, host, port, reuse_port) as (url, http, task):
            grpc_target = None
            if grpc_port is not None:
                grpc_server, grpc_bound = await start_grpc_server(
                    service,
                    access,
                    host,
                    grpc_port,
                    intents=intents,
                    compliance=compliance,
                    banking=banking,
                    billing=billing,
                )
                grpc_target = f"{host}:{grpc_bound}"
            yield Serving(url, grpc_target, http, task, grpc_server)
    finally:
        if grpc_server is not None:
            await grpc_server.stop(grace=5)


@contextlib.asynccontextmanager
async def serving_operations(
    ready: Probe,
    components: ComponentsView,
    collectors: Sequence[Collector],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[Serving]:
    """Serve only /healthz, /readyz and /metrics on host:port: a worker process's probes."""
    app = create_operations_app(ready, components, collectors)
    async with _http_server(app, host, port, False) as (url, http, task):
        yield Serving(url, None, http, task, None)

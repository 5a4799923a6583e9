"""`strongroom serve`, `accounts`, `transfers`, `keys` and `bench-http`.

`accounts` and `transfers` work on the database directly (an operator's tool), through the same
service layer as the API, acting as an admin of `--tenant`.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvloop
from rich.table import Table

from strongroom.api.http import MAX_BODY_BYTES
from strongroom.api.keys import ApiKey, KeyStore, Role
from strongroom.api.server import serving
from strongroom.api.service import LedgerService
from strongroom.bootstrap import open_ledger
from strongroom.cli.common import DbOption, console, run
from strongroom.errors import ValidationError
from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from strongroom.runtime import settle_heap
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DEFAULT_URL, parse_url

T = TypeVar("T")

TenantOption = Annotated[str, typer.Option(help="The tenant to act for.")]
HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]


def _run_on_uvloop(coroutine: Coroutine[Any, Any, T]) -> T:
    """`run()` on uvloop: how the servers run and are measured."""
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        return run(coroutine)
    finally:
        asyncio.set_event_loop_policy(policy)


@asynccontextmanager
async def _opened(db: str, migrate: bool = True) -> AsyncIterator[tuple[Ledger, KeyStore]]:
    async with await open_ledger(db, migrate=migrate) as ledger:
        keys = await KeyStore.open(db, migrate=False)
        try:
            yield ledger, keys
        finally:
            await keys.close()


def _operator(tenant: str) -> ApiKey:
    """The CLI acts as an admin of one tenant; ledger events name it `cli`."""
    return ApiKey(id="cli", tenant=tenant, role=Role.ADMIN, name="cli", created_at=0)


def _flags(names: list[str], kind: type[AccountFlags] | type[TransferFlags]) -> int:
    value = 0
    for name in names:
        try:
            value |= kind[name.upper().replace("-", "_")].value
        except KeyError:
            known = ", ".join(m.name.lower() for m in kind if m.name and m.value)
            raise ValidationError("flag", f"unknown flag {name!r}; known: {known}") from None
    return value


def _metadata(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValidationError("metadata", "not valid JSON") from None
    if not isinstance(value, dict):
        raise ValidationError("metadata", "must be a JSON object")
    return value


def _fields(item: Account | Transfer) -> Table:
    table = Table(show_header=False)
    names = item.__struct_fields__ if isinstance(item, Transfer) else item.__slots__
    for name in names:
        value = getattr(item, name)
        if isinstance(value, AccountFlags | TransferFlags):
            value = ", ".join(
                m.name.lower() for m in type(value) if m.value and m in value and m.name
            )
        table.add_row(name, str(value))
    return table


# -- serve --------------------------------------------------------------------------------


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
        _run_on_uvloop(_serve(db, host, port, grpc, max_body_bytes))
        return
    if parse_url(db).kind != "postgresql":
        raise typer.BadParameter("several workers need PostgreSQL (SQLite has one writer)")
    if port == 0 or grpc == 0:
        raise typer.BadParameter("several workers need fixed ports, not 0")
    # Once, before the workers open the ledger: they must not race to migrate.
    run(upgrade(parse_url(db)))
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
    _run_on_uvloop(_serve(db, host, port, grpc_port, max_body, reuse_port=True, announce=announce))


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
        _opened(db, migrate=not reuse_port) as (ledger, keys),
        serving(
            ledger,
            keys,
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


# -- accounts -----------------------------------------------------------------------------

accounts = typer.Typer(help="Create, show and list accounts.", no_args_is_help=True)


@accounts.command("create")
def accounts_create(
    code: Annotated[int, typer.Option(help="Account type (user-defined, 1-65535).")],
    ledger: Annotated[str, typer.Option(help="ISO 4217 currency code.")] = "USD",
    flag: Annotated[
        list[str] | None,
        typer.Option(
            help="debits_must_not_exceed_credits, credits_must_not_exceed_debits, history."
        ),
    ] = None,
    overdraft_limit: Annotated[int, typer.Option(min=0, help="Minor units.")] = 0,
    metadata: Annotated[str | None, typer.Option(help="A JSON object.")] = None,
    id: Annotated[str | None, typer.Option(help="Account id (default: a new UUIDv7).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Create one account and print its id and the ledger's result code."""
    spec = {
        "id": id or new_id(),
        "ledger": ledger,
        "code": code,
        "flags": _flags(flag or [], AccountFlags),
        "overdraft_limit": overdraft_limit,
        "metadata": _metadata(metadata),
    }

    async def create() -> str:
        async with _opened(db) as (opened, keys):
            service = LedgerService(opened, keys)
            (result,) = await service.create_accounts(_operator(tenant), [spec])
            return result.value

    result = run(create())
    console.print(f"{spec['id']} {result}", highlight=False)
    if result not in ("ok", "exists"):
        raise typer.Exit(1)


@accounts.command("show")
def accounts_show(
    account_id: Annotated[str, typer.Argument(help="The account id.")],
    tenant: TenantOption = "default",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Show an account of the tenant with its four counters."""

    async def show() -> Account:
        async with _opened(db) as (opened, keys):
            service = LedgerService(opened, keys)
            return await service.get_account(_operator(tenant), _uuid(account_id))

    console.print(_fields(run(show())))


@accounts.command("list")
def accounts_list(
    tenant: TenantOption = "default",
    limit: Annotated[int, typer.Option(min=1, max=8190)] = 100,
    cursor: Annotated[str | None, typer.Option(help="next cursor of the previous page")] = None,
    db: DbOption = DEFAULT_URL,
) -> None:
    """List the tenant's accounts, one page at a time."""

    async def page() -> Any:
        async with _opened(db) as (opened, keys):
            service = LedgerService(opened, keys)
            return await service.list_accounts(_operator(tenant), limit=limit, cursor=cursor)

    result = run(page())
    table = Table("ledger", "code", "status", "debits_posted", "credits_posted")
    # Ids are what people copy from this listing: never wrapped or cut.
    table.add_column("id", no_wrap=True, min_width=36)
    for a in result.items:
        table.add_row(
            a.ledger,
            str(a.code),
            a.status.value,
            f"{a.debits_posted:,}",
            f"{a.credits_posted:,}",
            str(a.id),
        )
    console.print(table)
    if result.next_cursor:
        console.print(f"next cursor: {result.next_cursor}", highlight=False)


# -- transfers ----------------------------------------------------------------------------

transfers = typer.Typer(help="Create and show transfers.", no_args_is_help=True)


@transfers.command("create")
def transfers_create(
    amount: Annotated[int, typer.Option(min=0, help="Minor units (0 with post_pending: all).")],
    debit: Annotated[str | None, typer.Option(help="Debit account id.")] = None,
    credit: Annotated[str | None, typer.Option(help="Credit account id.")] = None,
    ledger: Annotated[str, typer.Option(help="ISO 4217 code (empty for post/void).")] = "USD",
    code: Annotated[int, typer.Option(help="Transfer type (user-defined).")] = 1,
    flag: Annotated[
        list[str] | None,
        typer.Option(help="linked, pending, post_pending, void_pending, balancing_debit, ..."),
    ] = None,
    pending_id: Annotated[
        str | None, typer.Option(help="The pending transfer to post/void.")
    ] = None,
    timeout: Annotated[int, typer.Option(min=0, help="Seconds (pending only).")] = 0,
    metadata: Annotated[str | None, typer.Option(help="A JSON object.")] = None,
    id: Annotated[str | None, typer.Option(help="Transfer id (default: a new UUIDv7).")] = None,
    tenant: TenantOption = "default",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Create one transfer and print its id and the ledger's result code."""
    flags = _flags(flag or [], TransferFlags)
    resolving = flags & (TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
    spec = {
        "id": id or new_id(),
        "debit_account_id": debit or uuid.UUID(int=0),
        "credit_account_id": credit or uuid.UUID(int=0),
        "amount": amount,
        "ledger": "" if resolving and ledger == "USD" else ledger,
        "code": 0 if resolving and code == 1 else code,
        "flags": flags,
        "pending_id": pending_id,
        "timeout": timeout,
        "metadata": _metadata(metadata),
    }

    async def create() -> str:
        async with _opened(db) as (opened, keys):
            service = LedgerService(opened, keys)
            (result,) = await service.create_transfers(_operator(tenant), [spec])
            return result.value

    result = run(create())
    console.print(f"{spec['id']} {result}", highlight=False)
    if result not in ("ok", "exists"):
        raise typer.Exit(1)


@transfers.command("show")
def transfers_show(
    transfer_id: Annotated[str, typer.Argument(help="The transfer id.")],
    tenant: TenantOption = "default",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Show a transfer of the tenant."""

    async def show() -> Transfer:
        async with _opened(db) as (opened, keys):
            service = LedgerService(opened, keys)
            return await service.get_transfer(_operator(tenant), _uuid(transfer_id))

    console.print(_fields(run(show())))


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError("id", f"not a UUID: {text!r}") from None


# -- keys ---------------------------------------------------------------------------------

keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@keys.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="The tenant the key acts for.")],
    role: Annotated[Role, typer.Option(help="read, write or admin.")],
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Create an API key. The printed key is shown this once: only its hash is stored."""

    async def create() -> Any:
        store = await KeyStore.open(db)
        try:
            return await store.create(tenant, role, name)
        finally:
            await store.close()

    new = run(create())
    console.print(f"key id  {new.key.id}  tenant {new.key.tenant}  role {new.key.role.value}")
    console.print(new.token, highlight=False, soft_wrap=True)


@keys.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    db: DbOption = DEFAULT_URL,
) -> None:
    """List API keys (never their secrets)."""

    async def listed() -> list[ApiKey]:
        store = await KeyStore.open(db)
        try:
            return await store.list(tenant)
        finally:
            await store.close()

    table = Table("tenant", "role", "name", "revoked")
    table.add_column("id", no_wrap=True, min_width=32)
    for k in run(listed()):
        table.add_row(k.tenant, k.role.value, k.name, "yes" if k.revoked else "", k.id)
    console.print(table)


@keys.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after sr_).")],
    db: DbOption = DEFAULT_URL,
) -> None:
    """Revoke an API key. Running servers refuse it within 5 seconds (their key cache)."""

    async def revoke() -> ApiKey:
        store = await KeyStore.open(db)
        try:
            return await store.revoke(key_id)
        finally:
            await store.close()

    key = run(revoke())
    console.print(f"revoked {key.id} (tenant {key.tenant}, role {key.role.value})")


# -- bench-http ---------------------------------------------------------------------------


def bench_http(
    url: Annotated[
        str | None, typer.Option(help="A running server (default: start one on a temp database).")
    ] = None,
    key: Annotated[str | None, typer.Option(help="A write key for --url.")] = None,
    db: Annotated[
        str | None, typer.Option(help="Database for the server this command starts.")
    ] = None,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent single-transfer clients.")] = 64,
    batch_clients: Annotated[int, typer.Option(min=1, help="Concurrent batch clients.")] = 4,
    batch: Annotated[
        int, typer.Option(min=1, max=8190, help="Transfers per batch request.")
    ] = 1000,
    seconds: Annotated[float, typer.Option(min=1, help="Measured seconds per phase.")] = 10.0,
) -> None:
    """Drive the HTTP API from a separate load-generator process: single-transfer requests at
    `--clients` concurrency, then batch requests. Prints req/s, latency percentiles, and
    transfers/s."""
    if url is not None and key is None:
        raise typer.BadParameter("--url needs --key (a write key of that server)")
    _run_on_uvloop(_bench(url, key, db, clients, batch_clients, batch, seconds))


async def _bench(
    url: str | None,
    key: str | None,
    db: str | None,
    clients: int,
    batch_clients: int,
    batch: int,
    seconds: float,
) -> None:
    phases = [("single", clients, 1), ("batch", batch_clients, batch)]
    if url is not None and key is not None:
        outcomes = [await _loadgen(url, key, *phase, seconds) for phase in phases]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            target = db or f"sqlite:///{Path(tmp) / 'bench.db'}"
            async with (
                _opened(target) as (ledger, store),
                serving(ledger, store, port=0, grpc_port=None) as servers,
            ):
                token = (await store.create("bench", Role.WRITE, "bench-http")).token
                console.print(f"server {servers.http_url} on {target}", highlight=False)
                outcomes = [await _loadgen(servers.http_url, token, *p, seconds) for p in phases]
    table = Table(title="HTTP API benchmark")
    for column in (
        "mode",
        "clients",
        "per request",
        "req/s",
        "transfers/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "failed",
    ):
        table.add_column(column, justify="right")
    for o in outcomes:
        table.add_row(
            o["mode"],
            str(o["clients"]),
            str(o["batch"]),
            f"{o['requests_per_s']:,.0f}",
            f"{o['transfers_per_s']:,.0f}",
            f"{o['p50_ms']:.1f}",
            f"{o['p99_ms']:.1f}",
            f"{o['p999_ms']:.1f}",
            f"{o['failed_requests']}/{o['failed_transfers']}",
        )
    console.print(table)


async def _loadgen(
    url: str, key: str, mode: str, clients: int, batch: int, seconds: float
) -> dict[str, Any]:
    """Run strongroom.bench.http_load in its own process and read its JSON line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "strongroom.bench.http_load",
        "--url",
        url,
        "--key",
        key,
        "--mode",
        mode,
        "--clients",
        str(clients),
        "--batch",
        str(batch),
        "--seconds",
        str(seconds),
        stdout=subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise typer.Exit(process.returncode or 1)
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result

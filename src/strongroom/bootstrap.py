"""The composition root: the one place that names the storage adapters and wires them into the
domain. Entry points (the CLI, the servers, the benchmarks, the tests' fixtures) get their
components from here; the domain packages never open a database themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import asyncpg

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ConfigurationError
from strongroom.ledger.engine import EngineSettings, default_engine
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.ports import LedgerStore
from strongroom.ledger.snapshots import Snapshots
from strongroom.locks import LockManager, PostgresLockManager, RedisLockManager
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.connections import create_pg_pool
from strongroom.store.migrate import upgrade
from strongroom.store.postgres import PostgresStore
from strongroom.store.sqlite import SqliteStore
from strongroom.store.urls import DEFAULT_URL as DEFAULT_URL
from strongroom.store.urls import DatabaseURL, parse_url


async def open_ledger_store(url: DatabaseURL, *, pool_size: int = 8) -> LedgerStore:
    """The ledger's adapter for `url`: SQLite's one-writer store or a PostgreSQL pool."""
    if url.kind == "sqlite":
        return await SqliteStore.connect(url.target)
    return await PostgresStore.connect(url, pool_size=pool_size)


async def open_ledger(
    url: str = DEFAULT_URL,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    engine: EngineSettings | None = None,
    pool_size: int = 8,
    sweep_interval: float | None = 1.0,
    snapshot_interval: float | None = None,
) -> Ledger:
    """Connect to `url`, apply migrations (unless `migrate=False`) and start the ledger.

    `sweep_interval`: seconds between releases of expired pending transfers (None: never;
    call `expire_pending()` yourself). `snapshot_interval`: seconds between balance
    snapshots (None: only when asked, see `Ledger.snapshots()`).
    """
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    store = await open_ledger_store(parsed, pool_size=pool_size)
    clock = clock or SystemClock()

    async def open_snapshots() -> Snapshots:
        return await Snapshots.open(parsed, clock)

    ledger = Ledger(
        store,
        clock=clock,
        engine=engine or default_engine(parsed.kind),
        open_snapshots=open_snapshots,
        sweep_interval=sweep_interval,
    )
    if snapshot_interval:
        await ledger.start_snapshots(snapshot_interval)
    return ledger


#: Lock sessions one process may hold at once: each held lock keeps its own connection.
LOCK_SESSIONS = 16


def open_locks(url: str) -> LockManager:
    """A lock manager for `url`: redis:// (or rediss://, unix://) selects Redis, a PostgreSQL
    URL session-level advisory locks, namespaced by the URL's schema."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisLockManager(url)
    parsed = parse_url(url)
    if parsed.kind != "postgresql":
        raise ConfigurationError(f"locks need a PostgreSQL or Redis URL, not {url!r}")

    async def create_pool() -> asyncpg.Pool:
        return await create_pg_pool(parsed, min_size=0, max_size=LOCK_SESSIONS)

    return PostgresLockManager(create_pool, namespace=parsed.schema or "")


async def open_access(
    url: str = DEFAULT_URL,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    cache_ttl: float = 5.0,
) -> AccessService:
    """API keys on `url`'s database (migrated first unless `migrate=False`). `cache_ttl`:
    seconds a verified key is trusted before it is read again (see services.access)."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    return AccessService(SqlApiKeyStore.open(parsed), clock or SystemClock(), cache_ttl)


@dataclass(frozen=True, slots=True)
class Services:
    """What the API and the CLI call, over one database."""

    ledger: Ledger
    ledger_service: LedgerService
    access: AccessService


@asynccontextmanager
async def open_services(
    url: str = DEFAULT_URL, *, migrate: bool = True, sweep_interval: float | None = 1.0
) -> AsyncIterator[Services]:
    """The ledger, its service and API keys on `url`'s database, closed on exit."""
    async with await open_ledger(url, migrate=migrate, sweep_interval=sweep_interval) as ledger:
        access = await open_access(url, migrate=False)
        try:
            yield Services(ledger, LedgerService(ledger), access)
        finally:
            await access.close()


async def migrate_database(url: str) -> None:
    """Create or upgrade the schema of `url`'s database."""
    await upgrade(parse_url(url))


def database_kind(url: str) -> Literal["sqlite", "postgresql"]:
    """The backend `url` names; ConfigurationError for anything else."""
    return parse_url(url).kind

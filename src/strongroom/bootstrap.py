"""The composition root: the one place that names the storage adapters and wires them into the
domain. Entry points (the CLI, the servers, the benchmarks, the tests' fixtures) get their
components from here; the domain packages never open a database themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Literal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ConfigurationError
from strongroom.events.ports import AuditLog, Outbox, ProcessedEvents
from strongroom.ledger.engine import EngineSettings, default_engine
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.ports import LedgerStore, RepairStore
from strongroom.ledger.snapshots import Snapshots
from strongroom.locks import LockManager, PostgresLockManager, RedisLockManager
from strongroom.parties.repository import PartyRepository
from strongroom.products.ports import ProductStore
from strongroom.products.stored import StoredProductCatalog
from strongroom.security.keyring import Keyring
from strongroom.security.providers import KeyProvider
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.services.security import EncryptionService
from strongroom.store.admin_db import AdminDb
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.audit_log import SqlAuditLog
from strongroom.store.connections import create_pg_pool, sqlalchemy_engine
from strongroom.store.data_keys import SqlDataKeyStore
from strongroom.store.migrate import upgrade
from strongroom.store.outbox import SqlOutbox
from strongroom.store.parties import SqlPartyStore
from strongroom.store.postgres import PostgresStore
from strongroom.store.processed_events import SqlProcessedEvents
from strongroom.store.products import SqlProductStore
from strongroom.store.repair import SqlRepairStore
from strongroom.store.shredding import SqlBlindIndexStore
from strongroom.store.snapshots import SqlSnapshotStore
from strongroom.store.sqlite import SqliteStore
from strongroom.store.urls import DEFAULT_URL as DEFAULT_URL  # the entry points' default --db
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

    ledger = Ledger(
        store,
        clock=clock,
        engine=engine or default_engine(parsed.kind),
        open_snapshots=partial(open_snapshots, url, clock=clock),
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


async def open_snapshots(url: str, *, clock: Clock | None = None) -> Snapshots:
    """Balance snapshots of the ledger at `url` (no migrations), on connections of their own:
    never the batch engine's."""
    store = SqlSnapshotStore(await AdminDb.open(parse_url(url)))
    return Snapshots(store, clock or SystemClock())


async def open_repair(url: str) -> RepairStore:
    """Reconcile and snapshot reset for the ledger at `url` (no migrations), on connections of
    their own."""
    return SqlRepairStore(await AdminDb.open(parse_url(url)))


async def open_product_store(url: str, *, migrate: bool = True) -> ProductStore:
    """The product factory's adapter for `url`, after applying migrations (unless
    `migrate=False`). Close it with `close()`."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    return SqlProductStore.open(parsed)


async def open_products(
    url: str, *, clock: Clock | None = None, migrate: bool = True
) -> StoredProductCatalog:
    """The product catalogue stored in `url` (see `open_product_store`); close it with
    `catalog.store.close()`."""
    return StoredProductCatalog(await open_product_store(url, migrate=migrate), clock)


@dataclass(frozen=True)
class Encryption:
    """Envelope encryption wired on one database: the keyring, the parties sealed with it, and
    the key operations (rotation, crypto-shredding). `close()` releases the connections."""

    keyring: Keyring
    parties: PartyRepository
    service: EncryptionService
    close: Callable[[], Awaitable[None]]


async def open_encryption(
    url: str,
    provider: KeyProvider,
    *,
    migrate: bool = True,
    cache_size: int = 4096,
    cache_ttl_s: float = 300.0,
    clock: Clock | None = None,
) -> Encryption:
    """Envelope encryption on `url` with KEKs from `provider`, after applying migrations (unless
    `migrate=False`). `cache_size` and `cache_ttl_s` bound the keyring's caches of unwrapped
    keys (docs/security.md, "DEK cache")."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    engine = sqlalchemy_engine(parsed)
    keyring = Keyring(
        provider,
        SqlDataKeyStore(engine, clock),
        cache_size=cache_size,
        cache_ttl_s=cache_ttl_s,
        clock=clock,
    )
    return Encryption(
        keyring=keyring,
        parties=PartyRepository(SqlPartyStore(engine), keyring, clock),
        service=EncryptionService(keyring, SqlBlindIndexStore(engine)),
        close=engine.dispose,
    )


def open_outbox(url: str) -> Outbox:
    """The outbox at `url`: give it to a `Relay` (which then owns it), or ask it for status and
    pruning."""
    return SqlOutbox(parse_url(url))


def open_processed_events(url: str) -> ProcessedEvents[AsyncConnection]:
    """Where `IdempotentConsumer`s at `url` record what they applied; their handlers write their
    effects through the SQLAlchemy connection of the same transaction."""
    return SqlProcessedEvents(sqlalchemy_engine(parse_url(url)))


def open_audit_log(url: str) -> AuditLog[AsyncConnection]:
    """The hash-chained audit log at `url`, for the audit consumer, verify and tail."""
    return SqlAuditLog(sqlalchemy_engine(parse_url(url)))


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

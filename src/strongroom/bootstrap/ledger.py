"""Opening the ledger: its store, the batch engine, snapshots and repair, for a database URL."""

from __future__ import annotations

from functools import partial
from typing import Literal

from strongroom.clock import Clock, SystemClock
from strongroom.ledger.engine import EngineSettings, default_engine
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.ports import LedgerStore, RepairStore
from strongroom.ledger.snapshots import Snapshots
from strongroom.store.admin_db import AdminDb
from strongroom.store.migrate import upgrade
from strongroom.store.postgres import PostgresStore
from strongroom.store.repair import SqlRepairStore
from strongroom.store.snapshots import SqlSnapshotStore
from strongroom.store.sqlite import SqliteStore
from strongroom.store.urls import DEFAULT_URL, DatabaseURL, parse_url


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
    )
    if sweep_interval:
        await ledger.sweeper(sweep_interval).start()
    if snapshot_interval:
        await (await ledger.snapshot_task(snapshot_interval)).start()
    return ledger


async def open_snapshots(url: str, *, clock: Clock | None = None) -> Snapshots:
    """Balance snapshots of the ledger at `url` (no migrations), on connections of their own:
    never the batch engine's."""
    store = SqlSnapshotStore(await AdminDb.open(parse_url(url)))
    return Snapshots(store, clock or SystemClock())


async def open_repair(url: str) -> RepairStore:
    """Reconcile and snapshot reset for the ledger at `url` (no migrations), on connections of
    their own."""
    return SqlRepairStore(await AdminDb.open(parse_url(url)))


def database_kind(url: str) -> Literal["sqlite", "postgresql"]:
    """The backend `url` names; ConfigurationError for anything else."""
    return parse_url(url).kind

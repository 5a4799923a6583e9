"""The composition root: the one place that names the storage adapters and wires them into the
domain. Entry points (the CLI, the servers, the benchmarks, the tests' fixtures) get their
components from here; the domain packages never open a database themselves.
"""

from __future__ import annotations

from strongroom.clock import Clock, SystemClock
from strongroom.ledger.engine import EngineSettings, default_engine
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.ports import LedgerStore
from strongroom.ledger.snapshots import Snapshots
from strongroom.store.migrate import upgrade
from strongroom.store.postgres import PostgresStore
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

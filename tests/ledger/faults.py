"""Storage faults injected under a real ledger: a store wrapper that fails the operations a test
names, as a broken disk or a dropped connection would, and passes everything else through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from strongroom.bootstrap import open_ledger_store, open_snapshots
from strongroom.clock import SystemClock
from strongroom.ledger import Ledger
from strongroom.ledger.engine import EngineSettings
from strongroom.ledger.ports import LedgerStore, LedgerTransaction
from strongroom.store.migrate import upgrade
from strongroom.store.urls import parse_url


class StorageFault(Exception):
    """What a broken disk or a dropped connection raises: no retry cures it."""


class FaultyStore:
    """A real ledger store whose operations named in `failing` (on the store or on its
    transactions, e.g. "split_accounts", "resize_buckets", "admit_batch") raise StorageFault."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self.failing: set[str] = set()

    def check(self, operation: str) -> None:
        if operation in self.failing:
            raise StorageFault(f"{operation}: disk I/O error")

    def __getattr__(self, name: str) -> Any:
        self.check(name)
        return getattr(self._store, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[LedgerTransaction]:
        async with self._store.transaction() as tx:
            yield FaultyTransaction(tx, self)  # type: ignore[misc]


class FaultyTransaction:
    def __init__(self, tx: LedgerTransaction, store: FaultyStore) -> None:
        self._tx = tx
        self._store = store

    def __getattr__(self, name: str) -> Any:
        self._store.check(name)
        return getattr(self._tx, name)


@asynccontextmanager
async def faulty_ledger(
    url: str, settings: EngineSettings, sweep_interval: float | None = None
) -> AsyncIterator[tuple[Ledger, FaultyStore]]:
    """A ledger on `url` whose store fails on demand (set `FaultyStore.failing`)."""
    parsed = parse_url(url)
    await upgrade(parsed)
    store = FaultyStore(await open_ledger_store(parsed))
    clock = SystemClock()

    ledger = Ledger(
        store,  # type: ignore[arg-type]
        clock=clock,
        engine=settings,
        open_snapshots=partial(open_snapshots, url, clock=clock),
    )
    if sweep_interval:
        await ledger.sweeper(sweep_interval).start()
    try:
        yield ledger, store
    finally:
        await asyncio.wait_for(ledger.close(), 10)

"""Opening the services the API and the CLI call: the ledger's service and API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from strongroom.bootstrap.ledger import open_ledger
from strongroom.clock import Clock, SystemClock
from strongroom.ledger.ledger import Ledger
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DEFAULT_URL, parse_url


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

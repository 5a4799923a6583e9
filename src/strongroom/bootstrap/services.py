"""Opening the services the API and the CLI call: the ledger's service and API keys."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.clock import Clock, SystemClock
from strongroom.ledger.ledger import Ledger
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.migrate import upgrade
from strongroom.store.urls import DEFAULT_URL, parse_url

#: Seconds a verified API key is trusted before it is read again (services.access).
KEY_CACHE_TTL = 5.0


async def open_access(
    url: str = DEFAULT_URL,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    cache_ttl: float = KEY_CACHE_TTL,
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

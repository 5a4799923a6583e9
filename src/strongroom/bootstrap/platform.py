"""`Platform`: one deployment's components, wired from one `Settings`.

The entry points' way in: a command or a server builds the settings (strongroom.settings), opens
a Platform and asks it for what it needs. Each component is opened on first use, at most once,
after the migrations have run once; the cold paths (API keys, encryption, processed events, the
audit log) share one connection pool; leaving the `async with` closes everything in reverse
order of opening.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.bootstrap.events import open_outbox
from strongroom.bootstrap.ledger import open_ledger
from strongroom.bootstrap.locks import open_locks
from strongroom.bootstrap.security import Encryption, wire_encryption
from strongroom.bootstrap.services import Services
from strongroom.clock import Clock, SystemClock
from strongroom.errors import ConfigurationError
from strongroom.events.ports import AuditLog, Outbox, ProcessedEvents
from strongroom.ledger.ledger import Ledger
from strongroom.locks import LockManager
from strongroom.products.stored import StoredProductCatalog
from strongroom.security.keyfile import LocalKeyFile
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.settings import Settings
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.audit_log import SqlAuditLog
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.migrate import upgrade
from strongroom.store.processed_events import SqlProcessedEvents
from strongroom.store.products import SqlProductStore
from strongroom.store.urls import DatabaseURL, parse_url

T = TypeVar("T")

#: Seconds a verified API key is trusted before it is read again (services.access).
KEY_CACHE_TTL = 5.0


class Platform:
    """The components of one deployment. Use as `async with Platform(settings) as platform:`."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, migrate: bool = True
    ) -> None:
        """`migrate=False` leaves the schema alone (several server processes: one migrates
        before they start). The database URL is checked here, before anything opens."""
        self.settings = settings
        self.clock = clock or SystemClock()
        self._url: DatabaseURL = parse_url(settings.db_url)
        self._migrate = migrate
        self._stack = AsyncExitStack()
        self._opened: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Platform:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every component opened, the last opened first."""
        self._opened.clear()
        await self._stack.aclose()

    async def _once(self, name: str, build: Callable[[], Awaitable[T]]) -> T:
        """The component `name`, built on the first call; concurrent first calls build it
        once."""
        async with self._lock:
            if name not in self._opened:
                if self._migrate and "schema" not in self._opened:
                    await upgrade(self._url)
                    self._opened["schema"] = True
                self._opened[name] = await build()
            found: T = self._opened[name]
            return found

    async def _engine(self) -> AsyncEngine:
        """The pool the cold paths share (keys, encryption, processed events, audit log)."""
        if "engine" not in self._opened:
            engine = sqlalchemy_engine(self._url)
            self._stack.push_async_callback(engine.dispose)
            self._opened["engine"] = engine
        found: AsyncEngine = self._opened["engine"]
        return found

    async def ledger(self) -> Ledger:
        """The ledger with its batch engine, sweeper and (when configured) snapshot task."""

        async def build() -> Ledger:
            ledger = await open_ledger(
                self.settings.db_url,
                clock=self.clock,
                migrate=False,
                pool_size=self.settings.pool_size,
                sweep_interval=self.settings.sweep_interval or None,
                snapshot_interval=self.settings.snapshot_interval or None,
            )
            self._stack.push_async_callback(ledger.close)
            return ledger

        return await self._once("ledger", build)

    async def access(self) -> AccessService:
        """API keys: creating, listing, revoking, authenticating."""

        async def build() -> AccessService:
            store = SqlApiKeyStore(await self._engine())
            return AccessService(store, self.clock, KEY_CACHE_TTL)

        return await self._once("access", build)

    async def services(self) -> Services:
        """What the API and the CLI call: the ledger's service and API keys."""

        async def build() -> Services:
            ledger = await self.ledger()
            return Services(ledger, LedgerService(ledger), await self.access())

        # The ledger and access take the lock themselves: build outside it.
        if "services" not in self._opened:
            self._opened["services"] = await build()
        found: Services = self._opened["services"]
        return found

    async def products(self) -> StoredProductCatalog:
        """The product catalogue. On its own pool: on SQLite its writes take the write lock at
        BEGIN (store.products), which the shared pool's other users do not expect."""

        async def build() -> StoredProductCatalog:
            store = SqlProductStore.open(self._url)
            self._stack.push_async_callback(store.close)
            return StoredProductCatalog(store, self.clock)

        return await self._once("products", build)

    async def encryption(self) -> Encryption:
        """Envelope encryption with the KEKs of the configured key file."""

        async def build() -> Encryption:
            engine = await self._engine()
            return wire_encryption(engine, LocalKeyFile(self.settings.key_file), clock=self.clock)

        return await self._once("encryption", build)

    async def outbox(self) -> Outbox:
        """The outbox the relay publishes from (its own unpooled sessions: see store.outbox)."""

        async def build() -> Outbox:
            outbox = open_outbox(self.settings.db_url)
            self._stack.push_async_callback(outbox.close)
            return outbox

        return await self._once("outbox", build)

    async def processed_events(self) -> ProcessedEvents[AsyncConnection]:
        """Where idempotent consumers record the events they applied."""

        async def build() -> ProcessedEvents[AsyncConnection]:
            return SqlProcessedEvents(await self._engine())

        return await self._once("processed_events", build)

    async def audit_log(self) -> AuditLog[AsyncConnection]:
        """The hash-chained audit log."""

        async def build() -> AuditLog[AsyncConnection]:
            return SqlAuditLog(await self._engine())

        return await self._once("audit_log", build)

    async def locks(self) -> LockManager:
        """Distributed locks: `locks_url`, else the database's advisory locks on PostgreSQL."""

        async def build() -> LockManager:
            url = self.settings.locks_url
            if url is None:
                if self._url.kind != "postgresql":
                    raise ConfigurationError(
                        "locks_url (STRONGROOM_LOCKS_URL): needed on SQLite, which has no "
                        "advisory locks; give a redis:// or postgresql:// URL"
                    )
                url = self.settings.db_url
            manager = open_locks(url)
            self._stack.push_async_callback(manager.close)
            return manager

        return await self._once("locks", build)

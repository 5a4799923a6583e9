"""`Platform`: one deployment's components, wired from one `Settings`.

The entry points' way in: a command or a server builds the settings (strongroom.settings), opens
a Platform and asks it for what it needs. Each component is opened on first use, at most once,
after the migrations have run once; the cold paths (API keys, encryption, processed events, the
audit log) share one connection pool; leaving the `async with` closes everything in reverse
order of opening. Beside the deployment's components it opens the operators' tools (snapshots
and repair on connections of their own, the outbox relay and the bus it publishes to).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.api.console.services import ConsoleServices
from strongroom.banking.accounts import BankDirectory
from strongroom.banking.beneficiaries import BeneficiaryBook
from strongroom.banking.reconciliation import reconcile_type
from strongroom.banking.services import BankingServices
from strongroom.billing.catalog import CatalogService
from strongroom.billing.cycles import cycle_type
from strongroom.billing.service import BillingService
from strongroom.billing.services import BillingServices
from strongroom.billing.usage import UsageService
from strongroom.bootstrap.banking import customer_intent_types, payment_intent_types, wire_banking
from strongroom.bootstrap.compliance import (
    case_policy,
    decision_screening,
    open_screening,
    wire_compliance,
)
from strongroom.bootstrap.events import open_outbox
from strongroom.bootstrap.ledger import open_ledger, open_repair, open_snapshots
from strongroom.bootstrap.locks import open_locks
from strongroom.bootstrap.products import open_products
from strongroom.bootstrap.security import Encryption, wire_encryption
from strongroom.bootstrap.services import KEY_CACHE_TTL, Services, open_rate_limiter
from strongroom.clock import Clock, SystemClock
from strongroom.compliance.case_intent import case_intent_type
from strongroom.compliance.cases import CaseService
from strongroom.compliance.disputes import dispute_type
from strongroom.compliance.service import ComplianceService
from strongroom.errors import ConfigurationError
from strongroom.events.bus import Bus
from strongroom.events.inprocess import InProcessBus
from strongroom.events.jetstream import JetStreamBus
from strongroom.events.ports import AuditLog, Outbox, ProcessedEvents
from strongroom.events.relay import Relay
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.ports import RepairStore
from strongroom.ledger.snapshots import Snapshots
from strongroom.locks import LockManager
from strongroom.products.stored import StoredProductCatalog
from strongroom.security.keyfile import LocalKeyFile
from strongroom.services.access import AccessService, Principal
from strongroom.services.ledger import LedgerService
from strongroom.settings import Settings
from strongroom.store.api_keys import SqlApiKeyStore
from strongroom.store.audit_log import SqlAuditLog
from strongroom.store.banking import SqlBankStore
from strongroom.store.billing import SqlBillingStore
from strongroom.store.compliance import SqlComplianceStore
from strongroom.store.compliance_cases import SqlCaseStore
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.intents import SqlIntentStore
from strongroom.store.migrate import upgrade
from strongroom.store.processed_events import SqlProcessedEvents
from strongroom.store.urls import DatabaseURL, parse_url
from strongroom.workflows.definitions import Registry
from strongroom.workflows.engine import Engine
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.service import IntentService
from strongroom.workflows.transfer import transfer_type

T = TypeVar("T")


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

    async def migrate(self) -> None:
        """Create or upgrade the schema now, even when made with `migrate=False` (the `migrate`
        command; `serve --workers` before it starts the workers). Once per Platform."""
        async with self._lock:
            await self._upgrade()

    async def _upgrade(self) -> None:
        if "schema" not in self._opened:
            await upgrade(self._url)
            self._opened["schema"] = True

    async def _once(self, name: str, build: Callable[[], Awaitable[T]]) -> T:
        """The component `name`, built on the first call; concurrent first calls build it
        once."""
        async with self._lock:
            if name not in self._opened:
                if self._migrate:
                    await self._upgrade()
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
        """The ledger with its batch engine. It runs no background task of its own: `serve`
        and `worker` start the sweeper and the snapshot task as components."""

        async def build() -> Ledger:
            ledger = await open_ledger(
                self.settings.db_url,
                clock=self.clock,
                migrate=False,
                pool_size=self.settings.pool_size,
                sweep_interval=None,
            )
            self._stack.push_async_callback(ledger.close)
            return ledger

        return await self._once("ledger", build)

    async def access(self) -> AccessService:
        """API keys: creating, listing, revoking, authenticating (and admitting by the rate
        limits of the settings)."""

        async def build() -> AccessService:
            store = SqlApiKeyStore(await self._engine())
            limiter = open_rate_limiter(self.settings)
            if limiter is not None:
                self._stack.push_async_callback(limiter.close)
            return AccessService(store, self.clock, KEY_CACHE_TTL, limiter)

        return await self._once("access", build)

    async def services(self) -> Services:
        """What the API and the CLI call: the ledger's service, API keys, intents, cases, the
        bank and billing."""

        async def build() -> Services:
            ledger = await self.ledger()
            return Services(
                ledger,
                LedgerService(ledger),
                await self.access(),
                await self.intents(),
                await self.compliance(),
                await self.cases(),
                await self.banking(),
                await self.billing(),
            )

        # The ledger and access take the lock themselves: build outside it.
        if "services" not in self._opened:
            self._opened["services"] = await build()
        found: Services = self._opened["services"]
        return found

    async def intent_store(self) -> IntentStore:
        """The intent engine's tables (on a pool of their own: checkpoints are its hot path)."""

        async def build() -> IntentStore:
            store = SqlIntentStore.open(self._url)
            self._stack.push_async_callback(store.close)
            return store

        return await self._once("intent_store", build)

    async def intent_registry(self) -> Registry:
        """The intent types this deployment runs."""
        if "intent_registry" not in self._opened:
            ledger = await self.ledger()
            store = await self.intent_store()
            catalog = await self.products()
            bank = await self.bank_store()

            async def fire(who: Principal, intent_id: uuid.UUID, event: str, reason: str) -> object:
                return await (await self.intents()).fire(who, intent_id, event, reason=reason)

            self._opened["intent_registry"] = Registry(
                [
                    transfer_type(ledger),
                    case_intent_type(await self.cases()),
                    dispute_type(ledger, store, self.settings.dispute_deadline),
                    *payment_intent_types(
                        ledger,
                        await self.bank_directory(),
                        (await self.compliance()).decider,
                        catalog,
                        store,
                        fire,
                        await self.beneficiary_book(),
                        self.settings,
                    ),
                    *customer_intent_types(
                        bank,
                        ledger,
                        await self.bank_directory(),
                        catalog,
                        (await self.encryption()).parties,
                        (await self.compliance()).kyc,
                        store,
                        self.settings,
                        self.clock,
                    ),
                    reconcile_type(store, await self.cases()),
                    cycle_type(await self.billing_store(), ledger),
                ]
            )
        found: Registry = self._opened["intent_registry"]
        return found

    async def intent_engine(self) -> Engine:
        """This process's intent engine (started by `serve` and `worker intents` as the
        `intents` component; until then it runs nothing)."""
        store = await self.intent_store()
        registry = await self.intent_registry()

        async def build() -> Engine:
            settings = self.settings
            engine = Engine(
                store,
                registry,
                clock=self.clock,
                capacity=settings.intent_capacity,
                lease=settings.intent_lease,
                poll_interval=settings.intent_poll_interval,
            )
            self._stack.push_async_callback(engine.stop)
            return engine

        return await self._once("intent_engine", build)

    async def intents(self) -> IntentService:
        """Submitting, reading and acting on intents; what is submitted runs on this process's
        engine when it runs and has room."""
        engine = await self.intent_engine()

        async def build() -> IntentService:
            service = IntentService(engine.store, engine.registry, self.clock, engine)
            self._stack.push_async_callback(service.close)
            return service

        return await self._once("intents", build)

    async def compliance(self) -> ComplianceService:
        """Rule sets, pre-transaction decisions and backtests (on a pool of their own: a
        decision's writes are group-committed like the ledger's); a review opens a case."""

        # Built first: the cases take the lock themselves (see _once).
        cases = await self.cases()

        async def build() -> ComplianceService:
            lists = await open_screening(self.settings, self.clock)
            screening = decision_screening(self.settings, lists)
            self._stack.push_async_callback(screening.close)
            store = SqlComplianceStore.open(self._url)
            self._stack.push_async_callback(store.close)
            service = wire_compliance(store, self.settings, self.clock, lists, screening, cases)
            self._stack.push_async_callback(service.decider.close)
            return service

        return await self._once("compliance", build)

    async def cases(self) -> CaseService:
        """Compliance cases with maker-checker; a decided case fires its outcome on the intent
        waiting for it through `intents()`."""

        async def fire(who: Principal, intent_id: uuid.UUID, event: str, reason: str) -> object:
            return await (await self.intents()).fire(who, intent_id, event, reason=reason)

        async def build() -> CaseService:
            store = SqlCaseStore.open(self._url)
            self._stack.push_async_callback(store.close)
            return CaseService(store, self.clock, case_policy(self.settings), fire)

        return await self._once("cases", build)

    async def bank_store(self) -> SqlBankStore:
        """The bank's customers and accounts (strongroom.banking)."""

        async def build() -> SqlBankStore:
            store = SqlBankStore.open(self._url)
            self._stack.push_async_callback(store.close)
            return store

        return await self._once("bank_store", build)

    async def billing_store(self) -> SqlBillingStore:
        """Billing's usage, definitions and invoices (strongroom.billing)."""

        async def build() -> SqlBillingStore:
            store = SqlBillingStore.open(self._url)
            self._stack.push_async_callback(store.close)
            return store

        return await self._once("billing_store", build)

    async def beneficiary_book(self) -> BeneficiaryBook:
        """Beneficiaries sealed under their customers' data keys; opening it seals any a
        migration left in clear (0025), so none is served unsealed."""
        store = await self.bank_store()
        keyring = (await self.encryption()).keyring

        async def build() -> BeneficiaryBook:
            book = BeneficiaryBook(store, keyring)
            await book.seal_left_in_clear()
            return book

        return await self._once("beneficiary_book", build)

    async def bank_directory(self) -> BankDirectory:
        """How payments read customers and accounts: the bank's rows and the ledger's status."""
        ledger = await self.ledger()
        store = await self.bank_store()

        async def build() -> BankDirectory:
            return BankDirectory(store, ledger, self.clock)

        return await self._once("bank_directory", build)

    async def banking(self) -> BankingServices:
        """The bank's services: customers, accounts and payments, over the intent engine."""
        ledger = await self.ledger()
        bank = await self.bank_store()
        catalog = await self.products()
        encryption = await self.encryption()
        intents = await self.intents()
        directory = await self.bank_directory()
        compliance = await self.compliance()
        book = await self.beneficiary_book()

        async def build() -> BankingServices:
            return wire_banking(
                bank,
                book,
                ledger,
                catalog,
                encryption,
                intents,
                directory,
                compliance.lists,
                self.settings,
                self.clock,
            )

        return await self._once("banking", build)

    async def billing(self) -> BillingServices:
        """Billing's services: usage, definitions, cycles and invoices."""
        store = await self.billing_store()
        ledger = await self.ledger()
        intents = await self.intents()

        async def build() -> BillingServices:
            return BillingServices(
                usage=UsageService(store, self.clock),
                catalog=CatalogService(store, self.clock),
                billing=BillingService(store, ledger, intents, self.clock),
            )

        return await self._once("billing", build)

    async def console(self) -> ConsoleServices:
        """What the operations console's pages call: the APIs' services, the audit log, the
        product catalogue and the keyring sealing its session cookies."""
        services = await self.services()
        return ConsoleServices(
            ledger=services.ledger_service,
            access=services.access,
            intents=services.intents,
            compliance=services.compliance,
            cases=services.cases,
            banking=services.banking,
            billing=services.billing,
            audit=await self.audit_log(),
            products=await self.products(),
            keyring=(await self.encryption()).keyring,
            clock=self.clock,
        )

    async def products(self) -> StoredProductCatalog:
        """The product catalogue. On its own pool: on SQLite its writes take the write lock at
        BEGIN (store.products), which the shared pool's other users do not expect."""

        async def build() -> StoredProductCatalog:
            catalog = await open_products(self.settings.db_url, clock=self.clock, migrate=False)
            self._stack.push_async_callback(catalog.store.close)
            return catalog

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

    async def snapshots(self) -> Snapshots:
        """Balance snapshots for an operator's tool, on connections of their own (not the
        ledger's: taking one needs no batch engine). A running ledger has its own:
        `(await platform.ledger()).snapshots()`."""

        async def build() -> Snapshots:
            snapshots = await open_snapshots(self.settings.db_url, clock=self.clock)
            self._stack.push_async_callback(snapshots.close)
            return snapshots

        return await self._once("snapshots", build)

    async def repair(self) -> RepairStore:
        """Reconcile and snapshot reset's access to the ledger's tables, on connections of their
        own."""

        async def build() -> RepairStore:
            repair = await open_repair(self.settings.db_url)
            self._stack.push_async_callback(repair.close)
            return repair

        return await self._once("repair", build)

    async def bus(self) -> Bus:
        """The event bus: NATS JetStream at `nats_url` (stream `nats_stream`), else the
        in-process bus; subjects start with `event_prefix`."""

        async def build() -> Bus:
            bus: Bus
            settings = self.settings
            if settings.nats_url is None:
                bus = InProcessBus(prefix=settings.event_prefix)
            else:
                bus = await JetStreamBus.connect(
                    settings.nats_url, prefix=settings.event_prefix, stream=settings.nats_stream
                )
            self._stack.push_async_callback(_close_quietly, bus)
            return bus

        return await self._once("bus", build)

    async def relay(self, *, batch_size: int = 100, poll_interval: float = 0.2) -> Relay:
        """The outbox relay, publishing `outbox()` to `bus()`; the options of the first call
        hold. Closing the Platform stops it."""
        # The outbox and the bus take the lock themselves: get them outside it.
        outbox = await self.outbox()
        bus = await self.bus()

        async def build() -> Relay:
            relay = Relay(
                outbox, bus, batch_size=batch_size, poll_interval=poll_interval, clock=self.clock
            )
            # Stop, not close: the outbox the relay would close is the Platform's.
            self._stack.push_async_callback(relay.stop)
            return relay

        return await self._once("relay", build)


async def _close_quietly(bus: Bus) -> None:
    # A bus whose server has gone away can fail to close: nothing is left to release then, and
    # closing the other components (or a clean stop) must not end in that error.
    with suppress(Exception):
        await bus.close()

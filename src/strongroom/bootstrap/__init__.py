"""The composition root: the one place that names the storage adapters and wires them into the
domain. Entry points (the CLI, the servers, the benchmarks, the tests' fixtures) get their
components from here; the domain, the services and the API never open a database themselves.

`Platform(settings)` wires a whole deployment from one `strongroom.settings.Settings`; the
`open_*` functions open one component for a database URL (tests and tools that need one part).
One module per area: ledger.py, services.py, products.py, security.py, events.py, locks.py,
platform.py; telemetry.py sets up where a serving process's spans go.
"""

from strongroom.bootstrap.events import open_audit_log, open_outbox, open_processed_events
from strongroom.bootstrap.ledger import (
    database_kind,
    open_ledger,
    open_ledger_store,
    open_repair,
    open_snapshots,
)
from strongroom.bootstrap.locks import open_locks
from strongroom.bootstrap.platform import Platform
from strongroom.bootstrap.products import open_product_store, open_products
from strongroom.bootstrap.security import Encryption, open_encryption, wire_encryption
from strongroom.bootstrap.services import Services, open_access
from strongroom.bootstrap.telemetry import telemetry
from strongroom.store.urls import DEFAULT_URL

__all__ = [
    "DEFAULT_URL",
    "Encryption",
    "Platform",
    "Services",
    "database_kind",
    "open_access",
    "open_audit_log",
    "open_encryption",
    "open_ledger",
    "open_ledger_store",
    "open_locks",
    "open_outbox",
    "open_processed_events",
    "open_product_store",
    "open_products",
    "open_repair",
    "open_snapshots",
    "telemetry",
    "wire_encryption",
]

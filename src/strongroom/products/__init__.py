"""The product factory: products launched by configuration (fees, taxes, limits, interest).

Owns product definitions (YAML/JSON, validated, immutable versions), the pure rules that price
an event (`quote`) and accrue interest (`accrue_day`), and the adapters that post them to the
ledger (`post_quote`, `AccrualJob`); `stored.py` keeps the catalogue and accrual state in the
database through the `ProductStore` port of `ports.py`, which strongroom.store.products
implements and strongroom.bootstrap.open_products wires (import them from their modules: they
are not re-exported). The pure modules (definitions, fees, taxes, limits, interest, daycount,
quote, simulate) never touch a database; posting and accrual go through the ledger's public API
only. May import strongroom.errors, money, clock, ids, tracing and ledger; never store,
services, api or cli. docs/products.md describes the file format and the rounding rule.
"""

from strongroom.products.accrual import (
    AccrualJob,
    AccrualReport,
    AccrualStore,
    AccrualTarget,
    InMemoryAccrualStore,
)
from strongroom.products.businessdate import (
    BusinessDateClock,
    CalendarBusinessDate,
    ManualBusinessDate,
)
from strongroom.products.daycount import DayCount
from strongroom.products.definitions import ProductDefinition, load_product, parse_product
from strongroom.products.errors import (
    DefinitionIssue,
    LimitExceeded,
    ProductDefinitionError,
    VersionConflict,
)
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.fees import Charge, FeeRule
from strongroom.products.interest import AccrualState, AccrualStep, InterestRule, accrue_day
from strongroom.products.limits import LimitDecision, LimitRule
from strongroom.products.posting import PostingResult, chain_for, periodic_key, post_quote
from strongroom.products.quote import Quote, quote
from strongroom.products.simulate import compare, load_activity, simulate
from strongroom.products.taxes import TaxCharge, TaxRule
from strongroom.products.versions import (
    Assignment,
    AuditRecord,
    Catalog,
    ProductCatalog,
    PublishedVersion,
)

__all__ = [
    "AccrualJob",
    "AccrualReport",
    "AccrualState",
    "AccrualStep",
    "AccrualStore",
    "AccrualTarget",
    "Assignment",
    "AuditRecord",
    "BusinessDateClock",
    "CalendarBusinessDate",
    "Catalog",
    "Charge",
    "DayCount",
    "DefinitionIssue",
    "Event",
    "EventKind",
    "FeeRule",
    "InMemoryAccrualStore",
    "InterestRule",
    "LimitDecision",
    "LimitExceeded",
    "LimitRule",
    "ManualBusinessDate",
    "PostingResult",
    "ProductCatalog",
    "ProductDefinition",
    "ProductDefinitionError",
    "PublishedVersion",
    "Quote",
    "TaxCharge",
    "TaxRule",
    "Usage",
    "VersionConflict",
    "accrue_day",
    "chain_for",
    "compare",
    "load_activity",
    "load_product",
    "parse_product",
    "periodic_key",
    "post_quote",
    "quote",
    "simulate",
]

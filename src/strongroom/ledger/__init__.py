"""The double-entry ledger: accounts, transfers, two-phase transfers, linked chains, limits.

May import strongroom.store (its backends), strongroom.errors/ids/money/clock/tracing; never
services, api or cli.
"""

from strongroom.ledger.engine import EngineSettings
from strongroom.ledger.invariants import InvariantReport, Violation
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.queries import PAGE_MAX, AccountFilter, HistoryQuery, TransferQuery
from strongroom.ledger.results import CreateAccountResult, CreateTransferResult
from strongroom.ledger.rules import BATCH_MAX
from strongroom.ledger.types import (
    Account,
    AccountBalance,
    AccountFlags,
    AccountStatus,
    Page,
    PendingState,
    PendingTransfer,
    Transfer,
    TransferFlags,
)

__all__ = [
    "BATCH_MAX",
    "PAGE_MAX",
    "Account",
    "AccountBalance",
    "AccountFilter",
    "AccountFlags",
    "AccountStatus",
    "CreateAccountResult",
    "CreateTransferResult",
    "EngineSettings",
    "HistoryQuery",
    "InvariantReport",
    "Ledger",
    "Page",
    "PendingState",
    "PendingTransfer",
    "Transfer",
    "TransferFlags",
    "TransferQuery",
    "Violation",
]

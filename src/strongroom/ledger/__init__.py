"""The double-entry ledger: accounts, transfers, two-phase transfers, linked chains, limits.

Declares what it needs from storage in ledger/ports.py and never imports strongroom.store:
`strongroom.bootstrap.open_ledger` hands it an adapter. May import the platform packages
(events, for envelopes) and the core modules; never products, services, api or cli.
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
    DebitActivity,
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
    "DebitActivity",
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

"""What the console's pages call: the same services as the APIs, plus the read sides the APIs do
not serve (the audit log, the product catalogue) and the keyring that seals session cookies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strongroom.banking.services import BankingServices
from strongroom.billing.services import BillingServices
from strongroom.clock import Clock
from strongroom.compliance.cases import CaseService
from strongroom.compliance.service import ComplianceService
from strongroom.events.ports import AuditLog
from strongroom.products.stored import StoredProductCatalog
from strongroom.security.keyring import Keyring
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.workflows.service import IntentService


@dataclass(frozen=True, slots=True)
class ConsoleServices:
    ledger: LedgerService
    access: AccessService
    intents: IntentService
    compliance: ComplianceService
    cases: CaseService
    banking: BankingServices
    billing: BillingServices
    audit: AuditLog[Any]
    products: StoredProductCatalog
    keyring: Keyring
    clock: Clock

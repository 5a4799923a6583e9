"""`BankingServices`: the banking services the API and the CLI call, handed over as one."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.banking.accounts import AccountService
from strongroom.banking.beneficiaries import BeneficiaryService
from strongroom.banking.customers import CustomerService
from strongroom.banking.fx import FxService
from strongroom.banking.payments.service import PaymentService
from strongroom.banking.periodic import PeriodicService
from strongroom.banking.pots import PotService
from strongroom.banking.reconciliation import ReconciliationService
from strongroom.banking.settlement import SettlementService
from strongroom.banking.statements import StatementService


@dataclass(frozen=True, slots=True)
class BankingServices:
    payments: PaymentService
    customers: CustomerService
    accounts: AccountService
    pots: PotService
    statements: StatementService
    fx: FxService
    beneficiaries: BeneficiaryService
    settlement: SettlementService
    periodic: PeriodicService
    reconciliation: ReconciliationService
